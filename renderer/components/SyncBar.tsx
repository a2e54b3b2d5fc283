import { useTranslation } from 'react-i18next';
import { useStore } from '../state/store';
import { selectPendingOutcomes, selectRejectedOutcomes } from '../state/actions';
import { useStation } from '../context';

const time = (iso: string, lang: string): string => new Date(iso).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });

/** Always on screen: online/offline, last sync, outbox, offline operations needing attention. */
export function SyncBar() {
  const { t, i18n } = useTranslation();
  const sync = useStore((s) => s.sync);
  const pending = useStore(selectPendingOutcomes);
  const rejected = useStore((s) => selectRejectedOutcomes(s).length);
  const { controller } = useStation();
  if (sync === null) return null;
  const kind = !sync.enrolled ? 'demo' : sync.online ? 'online' : 'offline';
  const word = !sync.enrolled ? t('sync.demo') : sync.syncing ? t('sync.syncing') : sync.online ? t('sync.online') : t('sync.offline');
  const last = sync.lastSyncAt ? t('sync.lastSync', { time: time(sync.lastSyncAt, i18n.language) }) : t('sync.never');
  return (
    <div className={`sync ${kind}`} data-testid="sync-status" role="status" aria-live="polite" title={sync.enrolled ? last : undefined}>
      <span className="dot" aria-hidden />
      <strong>{word}</strong>
      {sync.enrolled ? (
        <>
          <span className="muted last-sync">{last}</span>
          {/* an empty outbox is the usual case: only a backlog is worth the room */}
          {sync.outbox > 0 ? <span>{t('sync.outbox', { count: sync.outbox })}</span> : null}
          {pending > 0 ? <span className="warn">{t('sync.pendingOps', { count: pending })}</span> : null}
          {rejected > 0 ? <span className="warn">{t('sync.rejectedOps', { count: rejected })}</span> : null}
          <button
            className="small sync-now"
            onClick={() => void controller.syncNow()}
            title={t('sync.syncNow')}
            aria-label={t('sync.syncNow')}
            data-testid="sync-now"
          >
            ⟳
          </button>
        </>
      ) : null}
    </div>
  );
}
