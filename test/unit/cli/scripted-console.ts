import { MemoryTransport } from '../../../native/transport/memory';

/**
 * A console scripted per test, on the far end of a MemoryTransport: it echoes
 * what the station types and answers each command with the lines the test
 * gives, shaped as the spec says (echo, CR LF, CR LF, answer lines, prompt).
 */
export interface ScriptOptions {
  prompt?: string;
  /** Answer lines per command; `null` = the module hangs (no answer, no prompt). */
  answer: (command: string, words: string[]) => string[] | null;
  /** Text put between the echo's CR LF and the answer (e.g. log lines). */
  between?: (command: string) => string;
  /** Behave as if every command came with CR LF: a second, empty prompt follows each answer. */
  extraPrompt?: boolean;
  /** Enter presses ignored while booting; the banner comes out on the first of them. */
  bootPokes?: number;
  banner?: string;
  /** Pull the cable when this command arrives (after the echo). */
  unplugOn?: (command: string) => boolean;
  /** The command runs (the answer is computed, the flash changes) but nothing after its echo is printed; the console goes on. */
  silentOn?: (command: string) => boolean;
  /** Changes each piece of output before it goes out (e.g. puts log lines inside it). */
  mangle?: (text: string) => string;
}

export function scriptedConsole(options: ScriptOptions) {
  const [host, module] = MemoryTransport.pair('mem-host', 'mem-module');
  const prompt = options.prompt ?? 'tuya> ';
  const commands: string[] = [];
  let line = '';
  let pokesLeft = options.bootPokes ?? 0;
  let hung = false;
  const out = (text: string) =>
    setImmediate(() => module.write(Buffer.from(options.mangle ? options.mangle(text) : text, 'latin1')).catch(() => undefined));
  host.onWrite = (data) => {
    if (hung) return;
    let text = '';
    for (const ch of data.toString('latin1')) {
      if (ch !== '\n' && ch !== '\r') {
        line += ch;
        text += ch;
        continue;
      }
      const command = line;
      line = '';
      if (pokesLeft > 0) {
        if (pokesLeft === (options.bootPokes ?? 0)) text += options.banner ?? '';
        pokesLeft--;
        continue;
      }
      if (command === '') {
        text += `\r\n${prompt}`;
        continue;
      }
      commands.push(command);
      if (options.unplugOn?.(command)) {
        out(text + '\r\n');
        setImmediate(() => setImmediate(() => host.unplug()));
        hung = true;
        return;
      }
      const answer = options.answer(command, command.split(' '));
      if (answer === null) {
        hung = true;
        break;
      }
      if (options.silentOn?.(command)) continue;
      text += `\r\n${options.between?.(command) ?? ''}\r\n${answer.map((l) => `${l}\r\n`).join('')}${prompt}`;
      if (options.extraPrompt) text += `\r\n${prompt}`;
    }
    if (text) out(text);
  };
  return { host, module, commands, open: () => Promise.all([host.open(), module.open()]) };
}

/** Answers like a module with an in-memory flash, as current or legacy firmware; `read_mac` (current only) answers in lower case, as in the field. */
export function flashConsole(
  firmware: 'current' | 'legacy',
  flash: { uuid: string | null; authkey: string | null } = { uuid: null, authkey: null },
  wifiMac: string | null = '105a17aabbcc',
) {
  return (_command: string, words: string[]): string[] => {
    const [name, uuid = '', authkey = ''] = words;
    if (name === 'read_mac' && firmware === 'current')
      return wifiMac ? [`mac: ${wifiMac.match(/../g)!.join(':')}`] : ['Failed to get MAC address.'];
    if (name === 'auth-read') return flash.uuid && flash.authkey ? [flash.uuid, flash.authkey] : ['Authorization read failure.'];
    if (name === 'auth') {
      if (words.length < 3) return ['Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'];
      const lengthsOk =
        firmware === 'legacy' ? uuid.length === 20 && authkey.length === 32 : [16, 20].includes(uuid.length) && authkey.length === 32;
      if (!lengthsOk)
        return [
          firmware === 'legacy'
            ? 'uuid len not equal 20 or authkey len not equal 32.'
            : 'uuid length must be 20/16, authkey length must be 32',
        ];
      flash.uuid = uuid;
      flash.authkey = authkey;
      if (words[3] === '1') return ['Authorization write to OTP Succeeds.'];
      return firmware === 'legacy'
        ? ['Authorization write succeeds.']
        : ['Authorization write succeeds.', 'Please reset the system to ensure the new credentials are used.'];
    }
    return ['No command or file name'];
  };
}
