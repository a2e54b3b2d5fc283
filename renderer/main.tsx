import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiClient } from './api-client';
import { addOutcomeTexts, initI18n } from './i18n';
import { useStore } from './state/store';
import { applyOutcomeTexts, setConnected } from './state/actions';
import { createController } from './state/controller';
// Chinese glyphs ship with the app (served from its own files, CSP font-src 'self'): kiosks need no system CJK font
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles.css';

const api = createApiClient((up) => useStore.getState().apply(setConnected, up));
const controller = createController(api, useStore.getState().apply, () => useStore.getState());

void initI18n().then(async (i18n) => {
  createRoot(document.getElementById('root')!).render(<App api={api} controller={controller} />);
  // The protocols' own words come from their folders through main, before any slot can show one.
  const texts = await controller.run(api.station.outcomeTexts());
  if (texts) {
    addOutcomeTexts(i18n, texts);
    useStore.getState().apply(applyOutcomeTexts, texts);
  }
  await controller.boot();
  await i18n.changeLanguage(useStore.getState().language);
});
