// The administrators' mapping workbench (issue 13): published mappings and their versions, a
// draft's editor with its golden cases, dry-run and replay, and the approval queue. Screens are
// chosen by the address's fragment (#/mapping/<id>, #/brouillon/<draft>, #/approbations) so that
// each can be linked and reloaded. The browser presents the administrator's client certificate:
// there is no login.
import { render } from 'preact';
import { useHashRoute } from '../shared/route';
import { TopBar } from '../shared/ui';
import { ApprovalsScreen } from './approvals';
import { DraftScreen } from './draft';
import { HistoryScreen } from './history';
import { MappingsScreen } from './mappings';

const SCREENS = [
  ['', 'Mappings'],
  ['approbations', 'Approbations'],
] as const;

function App() {
  const [screen, arg] = useHashRoute();
  return (
    <>
      <TopBar page="Atelier des mappings" screens={SCREENS} current={screen === 'approbations' ? 'approbations' : ''} />
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
