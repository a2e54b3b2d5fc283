/**
 * The one seam between drivers and hardware (STYLE.md "One seam per piece of
 * hardware"). Drivers speak only to this interface; only native/transport/
 * imports serialport or usb.
 *
 * Errors: every call rejects with an AppError. A close or unplug rejects every
 * pending call with code DISCONNECTED; a read that reaches its deadline rejects
 * with TIMEOUT; a read cancelled through its AbortSignal rejects with CANCELED.
 */
export interface Transport {
  /** A name for messages and logs, e.g. the port path. */
  readonly path: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  /**
   * Resolves once the bytes are handed to the OS and drained to the wire.
   * `drain: false` resolves once they are handed to the OS: for a request
   * whose answer is read anyway (an answer cannot come before the request
   * left, and a port lost meanwhile fails the read), which saves a thread-pool
   * round trip per request on a serial port.
   */
  write(data: Uint8Array, options?: { drain?: boolean }): Promise<void>;
  /**
   * Resolves with the bytes that arrived since the last read (at least one),
   * waiting until `timeoutMs` for the first one.
   */
  read(options: { timeoutMs: number; signal?: AbortSignal }): Promise<Buffer>;
  /** Drops any bytes received and not yet read. */
  flushInput(): Promise<void>;
  /** Sets the modem control lines (used to reset a module into its authorization mode). */
  set(signals: { dtr?: boolean; rts?: boolean }): Promise<void>;
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface TransportFactory {
  (path: string, options: { baudRate: number }): Transport;
}
