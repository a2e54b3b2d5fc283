import type { ProtocolMessages } from '../../../native/protocols/types';

/**
 * test-line's own outcome code and its operator texts, which reach the station's
 * slot message and the screen's dictionaries from here alone (the proof that a
 * protocol's messages live in its folder: plug-in.test.ts).
 */
export const messages = {
  FLASH_LOCKED: {
    station: { what: 'The flash of the module on slot {{slot}} is locked, so it took no license.', todo: 'Put it aside.' },
    screen: {
      en: { burnError: 'The flash of the module on slot {{slot}} is locked, so it took no license: put it aside.', reason: 'Flash locked' },
      'zh-CN': {
        burnError: '工位 {{slot}} 的模组闪存已锁定，未接受授权：请把它放到一边。',
        reason: '闪存已锁定',
        error: '模组闪存已锁定，未写入任何内容。',
      },
    },
    colour: '#4a7fd1',
  },
} as const satisfies ProtocolMessages;
