import { useTranslation } from 'react-i18next';
import { errorText } from '../i18n';
import { useStore } from '../state/store';

/** The one line at the top that says what just happened, or why the hub refused. */
export function NoticeBar() {
  const { t } = useTranslation();
  const notice = useStore((s) => s.notice);
  const language = useStore((s) => s.language);
  const set = useStore((s) => s.set);
  if (!notice) return null;
  const text = 'error' in notice ? errorText(notice.error, language) : t(notice.key, notice.vars);
  return (
    <div className={`notice ${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
      <span className="text">{text}</span>
      <button className="small" onClick={() => set({ notice: null })}>
        {t('app.dismiss')}
      </button>
    </div>
  );
}
