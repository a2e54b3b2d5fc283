import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createHubClient } from './api';
import { initI18n } from './i18n';
import { boot, sessionLost } from './state/session';
import { useStore } from './state/store';
// Chinese glyphs ship with the console (served by the hub, CSP font-src 'self'): no system CJK font needed
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/700.css';
import './styles.css';

const client = createHubClient({ onSessionLost: () => sessionLost(client) });

void initI18n(useStore.getState().language).then(async () => {
  createRoot(document.getElementById('root')!).render(<App client={client} />);
  await boot(client);
});
