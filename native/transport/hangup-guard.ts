import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { autoDetect, LinuxBinding } from '@serialport/bindings-cpp';
import { unixRead } from '@serialport/bindings-cpp/dist/unix-read';

const readAsync = promisify(fsRead);

/**
 * serialport's unix read retries a 0-byte read at once, forever. A tty opened
 * non-blocking answers "no data" with EAGAIN, so 0 bytes means the other side
 * hung up (a pty pair whose socat died, a module end that closed): spinning on
 * it burns a core and the port is never reported gone. This binding turns a
 * 0-byte read into the disconnect error serialport already understands.
 */
const readOrHangUp = (async (fd: number, buffer: Buffer, offset: number, length: number, position: number | null) => {
  const result = await readAsync(fd, buffer, offset, length, position);
  if (result.bytesRead === 0) throw Object.assign(new Error('the other end hung up'), { code: 'ENXIO' });
  return result;
}) as typeof readAsync;

type LinuxPort = Awaited<ReturnType<typeof LinuxBinding.open>>;

export const HangupAwareBinding: ReturnType<typeof autoDetect> =
  process.platform === 'linux'
    ? {
        ...LinuxBinding,
        async open(options: Parameters<typeof LinuxBinding.open>[0]) {
          const port: LinuxPort = await LinuxBinding.open(options);
          const original = port.read.bind(port);
          port.read = async (buffer: Buffer, offset: number, length: number) => {
            if (!port.isOpen) return original(buffer, offset, length);
            return unixRead({ binding: port, buffer, offset, length, fsReadAsync: readOrHangUp });
          };
          return port;
        },
      }
    : autoDetect();
