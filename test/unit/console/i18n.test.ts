// The console in English and Simplified Chinese: every screen string, every hub error code and every audit kind has words in both.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../../console/i18n/en';
import { zhCN } from '../../../console/i18n/zh-CN';
import { zhCNReasons } from '../../../console/i18n/zh-CN-reasons';
import { allowedActions, type ActionRole, type ActionSubject } from '../../../common/credential-actions';
import { screensFor } from '../../../console/state/store';
import { consoleActionSchema } from '../../../common/console-api';
import { credentialStateSchema, deliveryModeSchema, hubRoutes, roles, updateRequestStateSchema } from '../../../common/hub-api';

const flatten = (o: object, prefix = ''): Record<string, string> =>
  Object.entries(o).reduce<Record<string, string>>(
    (acc, [k, v]) => (typeof v === 'string' ? { ...acc, [`${prefix}${k}`]: v } : { ...acc, ...flatten(v as object, `${prefix}${k}.`) }),
    {},
  );
const root = resolve(import.meta.dirname, '../../..');
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(root, dir, e.name)] : [],
  );
const vars = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();
const E = flatten(en);
const Z = flatten(zhCN);

/** Every error code the hub, common/ and the console itself can give the console. */
const errorCodes = (): string[] => {
  const codes = new Set<string>();
  for (const file of ['common', 'hub', 'console'].flatMap(sources)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:AppError|HubError)\(\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(m[1]!);
    for (const m of text.matchAll(/(?:\bcode|[A-Z_]+_CODE|HUB_[A-Z_]+)\s*[:=]\s*'([A-Z][A-Z0-9_]{3,})'/g)) codes.add(m[1]!);
  }
  return [...codes].sort();
};

describe('console translations', () => {
  it('Simplified Chinese has every English key, in Chinese, with the same placeholders', () => {
    expect(Object.keys(E).length).toBeGreaterThan(250);
    for (const key of Object.keys(E)) {
      expect(Z[key], key).toBeDefined();
      expect(vars(Z[key]!), key).toEqual(vars(E[key]!));
    }
    // Chinese words, not a copy of the English (names of things like PID, CSV, HomeKit stay as they are)
    const same = Object.keys(E).filter(
      (k) => Z[k] === E[k] && /[a-z]{4,}/.test(E[k]!.replace(/\{\{\w+\}\}/g, '')) && !/^(feature|download\.(csv|xlsx))/.test(k),
    );
    expect(same).toEqual([]);
  });

  it('every key a screen names exists in English', () => {
    const missing: string[] = [];
    let named = 0;
    for (const file of sources('console')) {
      const text = readFileSync(file, 'utf8');
      for (const m of [...text.matchAll(/\bt\(\s*'([a-zA-Z]+\.[\w.]+)'/g), ...text.matchAll(/\b(?:key|k): '([a-z][a-zA-Z]+\.[\w.]+)'/g)]) {
        named++;
        if (!(m[1]! in E)) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(named).toBeGreaterThan(150);
    expect(missing).toEqual([]);
  });

  it('words for every state, delivery mode, action, role, screen and update state the hub can send', () => {
    const need = [
      ...credentialStateSchema.options.map((s) => `state.${s}`),
      ...deliveryModeSchema.options.map((d) => `delivery.${d}`),
      ...consoleActionSchema.options.map((a) => `action.${a}`),
      ...roles.map((r) => `role.${r}`),
      ...updateRequestStateSchema.options.map((u) => `updateState.${u}`),
      ...Object.values(screensFor)
        .flat()
        .map((s) => `nav.${s}`),
    ];
    for (const key of need) {
      expect(E[key], key).toBeTruthy();
      expect(Z[key], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('every audit kind (each state-changing route of the hub, and each GET it records) has words in both languages', () => {
    const kinds = Object.entries(hubRoutes)
      .filter(([, r]) => r.method === 'POST' || ('audited' in r && r.audited))
      .map(([name]) => name);
    expect(kinds).toContain('consoleResourcesFile');
    expect(kinds.length).toBeGreaterThan(30);
    const missing = kinds.filter((k) => !en.auditKind[k] || !zhCN.auditKind[k]);
    expect(missing).toEqual([]);
  });

  it('Simplified Chinese words for every error code the console can meet', () => {
    const codes = errorCodes();
    expect(codes.length).toBeGreaterThan(100);
    expect(codes).toContain('CREDENTIAL_UNDER_REVIEW');
    expect(codes).toContain('HUB_UNREACHABLE');
    const missing = codes.filter((c) => !/[\u4e00-\u9fff]/.test(zhCN.errors[c] ?? ''));
    expect(missing).toEqual([]);
  });

  it('Simplified Chinese words for every reason the Operation column can give for an action not allowed', () => {
    // every role and every kind of credential the rule tells apart
    const reasons = new Set<string>();
    const roles: ActionRole[] = ['platform', 'owner', 'factory', 'auditor', 'station'];
    for (const role of roles)
      for (const state of credentialStateSchema.options)
        for (const owner of ['mine', 'customer'] as const)
          for (const confirmed of [true, false])
            for (const deliveryMode of deliveryModeSchema.options)
              for (const origin of ['purchase', 'split', 'replacement'] as const)
                for (const homekit of [true, false])
                  for (const findmy of [true, false])
                    for (const n of [0, 1])
                      for (const jobRunning of [true, false])
                        for (const updateRequests of [0, 1]) {
                          const s: ActionSubject = {
                            state,
                            owner,
                            confirmed,
                            deliveryMode,
                            origin,
                            features: { homekit, findmy },
                            unusedAtHub: n,
                            unused: n,
                            licenses: n,
                            jobRunning,
                            updateRequests,
                          };
                          for (const a of allowedActions(role, s)) if (a.reason) reasons.add(a.reason);
                        }
    expect(reasons.size).toBeGreaterThan(15);
    const missing = [...reasons].filter((r) => !/[\u4e00-\u9fff]/.test(zhCNReasons[r] ?? ''));
    expect(missing).toEqual([]);
  });
});
