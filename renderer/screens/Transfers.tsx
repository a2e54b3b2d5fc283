import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { BundleExport, RefusedReport } from '../../common/api/schemas';
import type { ErrorInfo } from '../../common/errors';
import { useStore } from '../state/store';
import { applyGroups, showNotice } from '../state/actions';
import { passphraseGroups } from '../state/bundle';
import { errorText } from '../i18n';
import { useStation } from '../context';
import { fileToBase64 } from '../state/files';

/** A refusal next to the form it answers: the stable code, then the words (translated when the language has them). */
function ErrorLine({ error, testId }: { error: ErrorInfo; testId: string }) {
  const { t, i18n } = useTranslation();
  return (
    <p className="result-err" role="alert" data-testid={testId} data-code={error.code}>
      <code className="code">{error.code}</code> {errorText(t, (k) => i18n.exists(k), error, i18n.language)}
    </p>
  );
}

/** Transfer bundles: licenses carried on a file between two stations that are both offline. */
export function TransfersTab() {
  return (
    <div className="detail">
      <ExportPanel />
      <ImportPanel />
    </div>
  );
}

function ExportPanel() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const groups = useStore((s) => s.groups);
  const [groupId, setGroupId] = useState('');
  const [all, setAll] = useState(true);
  const [count, setCount] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  // the answer holds the one-time passphrase: it lives in this component only, and goes when the dialog closes
  const [done, setDone] = useState<BundleExport | null>(null);
  const group = groups.find((g) => g.id === groupId) ?? null;
  useEffect(() => {
    if (groupId === '' && groups.length > 0) setGroupId(groups.find((g) => g.counts.left > 0)?.id ?? groups[0]!.id);
  }, [groups, groupId]);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await api.supervisor.exportBundle({ groupId, ...(all ? {} : { count: Number(count) }) });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setDone(r.value);
    const o = await controller.run(api.station.overview());
    if (o) apply(applyGroups, o.groups);
  };
  const close = (): void => {
    if (done) apply(showNotice, 'success', t('supervisor.transfer.exported', { count: done.licenses, path: done.filePath }), Date.now());
    setDone(null);
  };
  // the dialog sits outside the form: Enter in it must never export a second bundle
  return (
    <>
      <form className="panel" onSubmit={(e) => void submit(e)} data-testid="bundle-export">
        <h3>{t('supervisor.transfer.exportTitle')}</h3>
        <p className="muted">{t('supervisor.transfer.exportText')}</p>
        <label className="field">
          {t('supervisor.transfer.group')}
          <select value={groupId} onChange={(e) => setGroupId(e.target.value)} name="bundleGroup">
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} — {t('supervisor.transfer.unused', { count: g.counts.left })}
              </option>
            ))}
          </select>
        </label>
        <div className="row">
          <label className="row">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} name="bundleAll" />
            {t('supervisor.transfer.all', { count: group?.counts.left ?? 0 })}
          </label>
          {all ? null : (
            <label className="field">
              {t('supervisor.transfer.count')}
              <input
                type="number"
                min={1}
                max={group?.counts.left ?? undefined}
                value={count}
                onChange={(e) => setCount(e.target.value)}
                name="bundleCount"
              />
            </label>
          )}
        </div>
        <div>
          <button type="submit" className="primary" disabled={busy || groupId === ''} data-testid="bundle-export-submit">
            {t('supervisor.transfer.exportButton')}
          </button>
        </div>
        {error ? <ErrorLine error={error} testId="bundle-export-error" /> : null}
      </form>
      {done ? <PassphraseDialog result={done} onClose={close} /> : null}
    </>
  );
}

function PassphraseDialog({ result, onClose }: { result: BundleExport; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="modal-backdrop">
      <div className="modal panel" role="dialog" aria-modal="true" aria-labelledby="bundle-dialog-title" data-testid="bundle-dialog">
        <h2 id="bundle-dialog-title">{t('supervisor.transfer.dialogTitle')}</h2>
        <p>{t('supervisor.transfer.dialogCount', { count: result.licenses, group: result.group.name })}</p>
        <p className="warn-text">{t('supervisor.transfer.onceOnly')}</p>
        <div className="passphrase" data-testid="bundle-passphrase" aria-label={t('supervisor.transfer.passphrase')}>
          {passphraseGroups(result.oneTimePassphrase).map((g, i) => (
            <span key={i}>{g}</span>
          ))}
        </div>
        <div className="field">
          <strong>{t('supervisor.transfer.file')}</strong>
          <p className="serial file-path" data-testid="bundle-path">
            {result.filePath}
          </p>
        </div>
        <p className="muted">{t('supervisor.transfer.left', { count: result.group.counts.left })}</p>
        <div>
          <button type="button" className="primary" autoFocus onClick={onClose} data-testid="bundle-dialog-close">
            {t('supervisor.transfer.wroteItDown')}
          </button>
        </div>
      </div>
    </div>
  );
}

function ImportPanel() {
  const { t } = useTranslation();
  const { api, controller } = useStation();
  const apply = useStore((s) => s.apply);
  const [filePath, setFilePath] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  /** How many answers this form has had (a test waits for the next one). */
  const [answers, setAnswers] = useState(0);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOk(null);
    const source = file ? { contentBase64: await fileToBase64(file) } : { filePath: filePath.trim() };
    const r = await api.supervisor.importBundle({ ...source, passphrase });
    setBusy(false);
    setAnswers((n) => n + 1);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setPassphrase('');
    setOk(t('supervisor.transfer.imported', { count: r.value.licenses, group: r.value.group.name }));
    const o = await controller.run(api.station.overview());
    if (o) apply(applyGroups, o.groups);
  };
  return (
    <form className="panel" onSubmit={(e) => void submit(e)} data-testid="bundle-import" data-answers={answers}>
      <h3>{t('supervisor.transfer.importTitle')}</h3>
      <p className="muted">{t('supervisor.transfer.importText')}</p>
      <label className="field">
        {t('supervisor.transfer.path')}
        <input
          value={filePath}
          onChange={(e) => setFilePath(e.target.value)}
          name="bundlePath"
          disabled={file !== null}
          className="serial"
          placeholder="/…/exports/transfer-….bundle"
        />
      </label>
      <label className="field">
        {t('supervisor.transfer.upload')}
        <input
          type="file"
          accept=".bundle,application/json"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          data-testid="bundle-file"
        />
      </label>
      <label className="field">
        {t('supervisor.transfer.passphrase')}
        <input
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value.toUpperCase())}
          name="bundlePassphrase"
          autoComplete="off"
          spellCheck={false}
          className="serial"
          placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"
        />
      </label>
      <div>
        <button
          type="submit"
          className="primary"
          disabled={busy || passphrase.trim() === '' || (file === null && filePath.trim() === '')}
          data-testid="bundle-import-submit"
        >
          {t('supervisor.transfer.importButton')}
        </button>
      </div>
      {error ? <ErrorLine error={error} testId="bundle-import-error" /> : null}
      {ok ? (
        <p className="result-ok" data-testid="bundle-import-ok">
          {ok}
        </p>
      ) : null}
    </form>
  );
}

/** Burn records and spoiled licenses the hub refused, with its reason. */
export function RefusedReportsPanel() {
  const { t, i18n } = useTranslation();
  const { api, controller } = useStation();
  const lastSyncAt = useStore((s) => s.sync?.lastSyncAt ?? null);
  const [list, setList] = useState<RefusedReport[] | null>(null);
  const load = useCallback(async () => {
    const r = await controller.run(api.sync.refusedReports());
    if (r) setList(r);
  }, [api, controller]);
  useEffect(() => {
    void load();
  }, [load, lastSyncAt]);
  return (
    <section className="panel" data-testid="refused-reports">
      <h3>{t('supervisor.refused.title')}</h3>
      {list === null || list.length === 0 ? (
        <p className="muted">{t('supervisor.refused.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('supervisor.refused.at')}</th>
              <th>{t('supervisor.refused.kind')}</th>
              <th>{t('supervisor.refused.license')}</th>
              <th>{t('supervisor.refused.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.key} data-testid="refused-row">
                <td className="muted">{new Date(r.at).toLocaleString(i18n.language)}</td>
                <td>{i18n.exists(`supervisor.refused.kinds.${r.kind}`) ? t(`supervisor.refused.kinds.${r.kind}`) : r.kind}</td>
                <td className="serial">{r.uuid ?? '—'}</td>
                <td>
                  <code className="code">{r.code}</code>{' '}
                  {errorText(t, (k) => i18n.exists(k), { code: r.code, message: r.reason }, i18n.language)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
