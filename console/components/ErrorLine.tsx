import type { ErrorInfo } from '../../common/errors';
import { errorText } from '../i18n';
import { useStore } from '../state/store';

/** A refusal shown where it happened (in a form or dialog), in the current language. */
export function ErrorLine({ error }: { error: ErrorInfo | null }) {
  const language = useStore((s) => s.language);
  if (!error) return null;
  return (
    <p className="error-line" role="alert" data-testid="error" data-code={error.code}>
      {errorText(error, language)}
    </p>
  );
}
