import type { ProtocolMessages } from '../types';

/**
 * The operator texts of tuyaopen-cli's own outcome codes: firmware refusals
 * that stored nothing (driver.ts). The station's slot sentence, the screen's
 * words in each language and the dashboard's colour all come from here.
 */
export const messages = {
  MAC_UNREADABLE: {
    station: {
      what: "The firmware of the module on slot {{slot}} cannot read the module's Wi-Fi MAC address, so it refused the license.",
      todo: 'Place the next module.',
    },
    screen: {
      en: {
        burnError:
          "The firmware of the module on slot {{slot}} cannot read the module's Wi-Fi MAC address, so it refused the license: place the next module.",
        reason: 'MAC unreadable',
      },
      'zh-CN': {
        burnError: '工位 {{slot}} 的模组固件读不到本模组的 Wi-Fi MAC 地址，因此拒绝了该授权：请放入下一个模组。',
        reason: 'MAC 读取失败',
        error: '模块固件读不到本模块的 Wi-Fi MAC 地址，拒绝了该授权，未写入任何内容。',
      },
    },
    colour: '#7fd18b',
  },
  OTP_UNSUPPORTED: {
    station: {
      what: 'The module on slot {{slot}} cannot keep a license in one-time memory (its firmware allows that only on T5 chips).',
      todo: 'Ask a supervisor to burn it to the key-value store.',
    },
    screen: {
      en: {
        burnError:
          'The module on slot {{slot}} cannot keep a license in one-time memory (only T5 chips can): ask a supervisor to burn it to the key-value store.',
        reason: 'No OTP on this chip',
      },
      'zh-CN': {
        burnError: '工位 {{slot}} 的模组不能把授权存入一次性存储区（仅 T5 芯片支持）：请主管改为写入键值存储。',
        reason: '芯片不支持 OTP',
        error: '该模块不能把授权存入一次性存储区（仅 T5 芯片支持），未写入任何内容。',
      },
    },
    colour: '#d1a77f',
  },
} as const satisfies ProtocolMessages;
