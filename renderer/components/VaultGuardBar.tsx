import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VaultGuard } from '../../common/api/schemas';
import { useStore } from '../state/store';
import { dismissReconciled } from '../state/actions';
import { useStation } from '../context';

const figure = (n: number, lang: string): string => n.toLocaleString(lang);

/** The guard's words for a vault that went back, with its entry numbers. */
function guardText(
  t: (key: string, opts?: Record<string, unknown>) => string,
  guard: Exclude<VaultGuard, { state: 'ok' }>,
  lang: string,
): string {
  if (guard.state === 'hub-rolled-back')
    return t('vaultGuard.hubRolledBack', { vaultSeq: figure(guard.vaultSeq, lang), hubSeq: figure(guard.hubSeq, lang) });
  return t(guard.diverged ? 'vaultGuard.diverged' : 'vaultGuard.rolledBack', {
    vaultSeq: figure(guard.vaultSeq, lang),
    anchoredSeq: figure(guard.anchoredSeq, lang),
  });
}

/**
 * Shown on every screen while the vault went back (behind its anchor, or by the hub's word): nothing is offered
 * until the newest copy is restored or a supervisor reconciles with the hub, which the signed-in supervisor does
 * from here. After a reconcile it says, in plain words, what was marked.
 */
export function VaultGuardBar() {
  const { t, i18n } = useTranslation();
  const guard = useStore((s) => s.vaultGuard);
  const reconciled = useStore((s) => s.reconciled);
  const supervisor = useStore((s) => (s.session?.active ? s.session.supervisor : null));
  const apply = useStore((s) => s.apply);
  const { controller } = useStation();
  const [busy, setBusy] = useState(false);

  if (reconciled !== null) {
    return (
      <div className="notice success" role="status" data-testid="vault-guard" data-state="reconciled">
        <span className="text" data-testid="vault-guard-result">
          {t('vaultGuard.done', { ...reconciled })}
        </span>
        <button className="small" onClick={() => apply(dismissReconciled)}>
          {t('vaultGuard.dismiss')}
        </button>
      </div>
    );
  }
  if (guard === null || guard.state === 'ok') return null;
  const reconcile = async (): Promise<void> => {
    setBusy(true);
    try {
      await controller.reconcile();
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="notice error" role="alert" data-testid="vault-guard" data-state={guard.state}>
      <span className="text">{guardText(t, guard, i18n.language)}</span>
      {supervisor !== null ? (
        <button onClick={() => void reconcile()} disabled={busy} data-testid="vault-guard-reconcile">
          {busy ? t('vaultGuard.reconciling') : t('vaultGuard.reconcile')}
        </button>
      ) : (
        <span className="muted">{t('vaultGuard.signIn')}</span>
      )}
    </div>
  );
}
