import type { ErrorInfo } from '../../common/errors';
import { errorText } from '../i18n';
import { useStore } from '../state/store';

/** A refusal shown where it happened (in a form or dialog), in the current language; `id` lets a field name it as its description. */
export function ErrorLine({ error, id }: { error: ErrorInfo | null; id?: string }) {
  const language = useStore((s) => s.language);
  if (!error) return null;
  return (
    <p className="error-line" role="alert" id={id} data-testid="error" data-code={error.code}>
      {errorText(error, language)}
    </p>
  );
}
