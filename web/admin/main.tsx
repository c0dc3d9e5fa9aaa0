// The administrators' mapping workbench (issue 13): published mappings and their versions, a
// draft's editor with its golden cases, dry-run and replay, and the approval queue. Screens are
// chosen by the address's fragment (#/mapping/<id>, #/brouillon/<draft>, #/approbations) so that
// each can be linked and reloaded. The browser presents the administrator's client certificate:
// there is no login.
import { render } from 'preact';
import { useHashRoute } from '../shared/route';
import { ApprovalsScreen } from './approvals';
import { DraftScreen } from './draft';
import { HistoryScreen } from './history';
import { MappingsScreen } from './mappings';

function App() {
  const [screen, arg] = useHashRoute();
  const current = screen === 'approbations' ? 'approbations' : 'mappings';
  return (
    <>
      <header class="top">
        <p class="brand">
          CNSS <span class="brand-sub">· Atelier des mappings</span>
        </p>
        <nav aria-label="Écrans">
          <ul>
            <li>
              <a href="#/" aria-current={current === 'mappings' ? 'page' : undefined}>
                Mappings
              </a>
            </li>
            <li>
              <a href="#/approbations" aria-current={current === 'approbations' ? 'page' : undefined}>
                Approbations
              </a>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {screen === 'brouillon' && arg ? (
          <DraftScreen key={arg} id={arg} />
        ) : screen === 'mapping' && arg ? (
          <HistoryScreen key={arg} mapping={arg} />
        ) : screen === 'approbations' ? (
          <ApprovalsScreen />
        ) : (
          <MappingsScreen />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
