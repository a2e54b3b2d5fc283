import { useTranslation } from 'react-i18next';
import { useStore } from '../state/store';
import { clearNotice } from '../state/actions';
import { errorText } from '../i18n';

export function NoticeBar() {
  const { t, i18n } = useTranslation();
  const notice = useStore((s) => s.notice);
  const apply = useStore((s) => s.apply);
  if (notice === null) return null;
  const text =
    notice.kind === 'error' && notice.code !== null
      ? errorText(t, (k) => i18n.exists(k), { code: notice.code, message: notice.text }, i18n.language)
      : notice.text;
  return (
    <div
      className={`notice ${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="notice"
      data-code={notice.code ?? ''}
    >
      <span className="text">{text}</span>
      <button className="small" onClick={() => apply(clearNotice)}>
        {t('notice.dismiss')}
      </button>
    </div>
  );
}
