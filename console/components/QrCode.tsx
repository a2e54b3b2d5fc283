import { useEffect, useState } from 'react';
import QRCode from 'qrcode';

/** A QR code of `text` as an image (a data: URL, which the CSP allows for images). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void QRCode.toDataURL(text, { margin: 2, width: 220, errorCorrectionLevel: 'M' }).then((url) => {
      if (live) setSrc(url);
    });
    return () => {
      live = false;
    };
  }, [text]);
  return src ? <img className="qr" src={src} alt={label} width={220} height={220} data-testid="qr" /> : null;
}
