import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GroupSummary, SlotState } from '../../../common/api/schemas';
import { resources } from '../../../renderer/i18n';
import { groupBlockText, portText, productLabel, slotLook, stopText } from '../../../renderer/state/slot-text';

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.init({ resources, lng: 'en', fallbackLng: 'en', interpolation: { escapeValue: false } });
});
const tIn = (lng: string) => i18n.getFixedT(lng) as unknown as (key: string, options?: Record<string, unknown>) => string;

const slot = (over: Partial<SlotState> = {}): SlotState => ({
  slotId: 'slot-3',
  number: 3,
  port: '/dev/ttyUSB2',
  programmer: null,
  programmerMissing: false,
  protocol: 'tuya-auc',
  groupId: 'g1',
  connected: true,
  running: false,
  phase: 'idle',
  step: null,
  progress: 0,
  lastResult: null,
  stopReason: null,
  portProblem: null,
  pendingSerial: null,
  burnedThisShift: 0,
  cannotTell: false,
  ...over,
});
const group = (over: Partial<GroupSummary> = {}): GroupSummary => ({
  id: 'g1',
  name: 'Plug EU',
  pid: 'p1',
  productName: 'P',
  owner: 'mine',
  deliveryMode: 'credential',
  state: 'valid',
  purchased: 10,
  free: 0,
  parentId: null,
  fromReplacement: false,
  assignment: { line: null, slotIds: [] },
  counts: { groupId: 'g1', total: 10, left: 10, burned: 0, suspect: 0, rejected: 0, void: 0, failedAttempts: 0 },
  blocked: null,
  features: null,
  allowedActions: [],
  ...over,
});
const mainWords =
  'Group Plug EU is blocked: a product change is under review on the hub: burn nothing from this group until it is approved or recalled. Pick another group or ask a supervisor.';
const blockedSlot = slot({ stopReason: { code: 'GROUP_BLOCKED', message: mainWords } });

describe('what a slot tile says about a stop and its port', () => {
  it('a group blocked by a product change under review: group and cause in plain words, in English and Simplified Chinese', () => {
    const g = group({
      state: 'confirming_update',
      blocked: {
        code: 'GROUP_BLOCKED',
        message: 'A product change is under review on the hub: burn nothing from this group until it is approved or recalled.',
      },
    });
    expect(stopText(tIn('en'), 'en', blockedSlot, g)).toBe(
      'Group Plug EU is blocked: a product change is under review on the hub. Pick another group or ask a supervisor.',
    );
    expect(stopText(tIn('zh-CN'), 'zh-CN', blockedSlot, g)).toBe('分组“Plug EU”已锁定：产品更换正在中心审核中。请选择其他分组或联系主管。');
    expect(stopText(tIn('zh-CN'), 'zh-CN', blockedSlot, { ...g, state: 'being_paid' })).toContain('支付差价');
  });

  it('a block the hub state does not explain keeps the words it was given', () => {
    const g = group({ blocked: { code: 'GROUP_BLOCKED', message: 'QA hold on this batch.' } });
    const s = slot({
      stopReason: {
        code: 'GROUP_BLOCKED',
        message: 'Group Plug EU is blocked: QA hold on this batch. Pick another group or ask a supervisor.',
      },
    });
    expect(stopText(tIn('en'), 'en', s, g)).toBe(s.stopReason!.message);
    expect(stopText(tIn('zh-CN'), 'zh-CN', s, g)).toBe('分组“Plug EU”已锁定：QA hold on this batch。请选择其他分组或联系主管。');
    // the group is not (or no longer) known to the screen: the station's sentence
    expect(stopText(tIn('zh-CN'), 'zh-CN', s, null)).toBe(s.stopReason!.message);
  });

  it('no license left, and no stop at all', () => {
    const s = slot({ stopReason: { code: 'NO_LICENSE_LEFT', message: 'The group has no license left for slot 3.' } });
    expect(stopText(tIn('en'), 'en', s, group())).toBe('No license left for slot 3: pick another group or call a supervisor.');
    expect(stopText(tIn('zh-CN'), 'zh-CN', s, group())).toBe('工位 3 没有剩余授权：请选择其他分组或联系主管。');
    expect(stopText(tIn('en'), 'en', slot(), group())).toBeNull();
  });

  it('the group picker: the station words in English, the cause translated otherwise', () => {
    const review = group({
      state: 'confirming_update',
      blocked: { code: 'GROUP_BLOCKED', message: 'A product change is under review on the hub.' },
    });
    expect(groupBlockText(tIn('en'), 'en', review)).toBe('A product change is under review on the hub.');
    expect(groupBlockText(tIn('zh-CN'), 'zh-CN', review)).toBe('产品更换正在中心审核中');
    expect(
      groupBlockText(tIn('zh-CN'), 'zh-CN', group({ blocked: { code: 'GROUP_EMPTY', message: 'No license left in this group.' } })),
    ).toBe('该分组没有剩余授权：请选择其他分组，或请主管拆分或导入。');
    // a code without a translation keeps the station's words
    expect(groupBlockText(tIn('zh-CN'), 'zh-CN', group({ blocked: { code: 'SOMETHING_NEW', message: 'Blocked for a new reason.' } }))).toBe(
      'Blocked for a new reason.',
    );
    expect(groupBlockText(tIn('zh-CN'), 'zh-CN', group())).toBeNull();
  });

  it('a port problem: the station words (with the system detail) in English, translated otherwise', () => {
    const s = slot({
      connected: false,
      running: true,
      portProblem:
        'The port of slot 3 cannot be opened: port /dev/ttyUSB2 does not exist. Check that the programmer is plugged in. The slot keeps trying.',
    });
    expect(portText(tIn('en'), 'en', s)).toBe(s.portProblem);
    expect(portText(tIn('zh-CN'), 'zh-CN', s)).toBe('无法打开工位 3 的烧录器端口：请检查烧录器是否插好；工位会自动重试。');
    expect(portText(tIn('en'), 'en', slot())).toBeNull();
    const missing = slot({ connected: false, programmer: '10c4:ea60:A1', programmerMissing: true, portProblem: null });
    expect(portText(tIn('en'), 'en', missing)).toBe(
      'Programmer missing: the programmer of slot 3 (10c4:ea60:A1) is not plugged in. Plug it back in; slot 3 burns nothing until then.',
    );
    expect(portText(tIn('zh-CN'), 'zh-CN', missing)).toBe(
      '烧录器未插上：工位 3 的烧录器（10c4:ea60:A1）没有插上。请把它插回去；插回之前工位 3 不烧录。',
    );
  });

  it('a slot without its port never shows Done; a slot that stopped by itself shows Stopped', () => {
    const done = slot({
      phase: 'done',
      lastResult: { ok: true, uuid: 'abcdefghijklmnop', mac: null, serial: null, at: 't', durationMs: 1 },
    });
    expect(slotLook(done, false)).toBe('done');
    expect(slotLook({ ...done, connected: false }, false)).toBe('noport');
    expect(slotLook({ ...done, running: true, portProblem: 'cannot open /dev/ttyUSB2' }, false)).toBe('noport');
    expect(slotLook(slot(), true)).toBe('stopped');
    // a missing programmer outranks everything the slot showed before it went
    expect(slotLook({ ...done, programmer: '10c4:ea60:A1', programmerMissing: true }, false)).toBe('missing');
    expect(slotLook({ ...done, running: true, programmer: '10c4:ea60:A1', programmerMissing: true, portProblem: 'x' }, false)).toBe(
      'missing',
    );
    expect(slotLook(slot({ running: true, phase: 'burning' }), false)).toBe('burning');
  });

  it('an imported group is named "Imported licenses" in the screen language, a hub group by its product', () => {
    expect(productLabel(tIn('en'), { pid: 'unknown', productName: 'Imported licenses' })).toBe('Imported licenses');
    expect(productLabel(tIn('zh-CN'), { pid: 'unknown', productName: 'Imported licenses' })).toBe('导入的授权');
    expect(productLabel(tIn('zh-CN'), { pid: 'plug01', productName: 'Demo smart plug' })).toBe('Demo smart plug');
  });
});
