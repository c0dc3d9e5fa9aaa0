// The agency registration screen: one identifier in, a prefilled record with its sources, a
// registration out. Screens are chosen by the address's fragment (#/personne, #/famille/N, ...)
// so that each can be linked and reloaded.
import { render } from 'preact';
import { useHashRoute } from '../shared/route';
import { TopBar } from '../shared/ui';
import { CardScreen } from './card';
import { EmployerScreen } from './employer';
import { FamilyScreen } from './family';
import { HistoryScreen } from './history';
import { PersonScreen } from './person';

const SCREENS: [string, string][] = [
  ['personne', 'Personne'],
  ['famille', 'Famille'],
  ['employeur', 'Employeur'],
  ['historique', 'Historique'],
  ['carte', 'Carte'],
];

function App() {
  const [screen = 'personne', ...args] = useHashRoute();
  return (
    <>
      <TopBar page="Immatriculation en agence" screens={SCREENS} current={screen} class="no-print" />
      <main id="main" tabIndex={-1}>
        {screen === 'famille' ? (
          <FamilyScreen key={args[0] ?? ''} number={args[0]} />
        ) : screen === 'employeur' ? (
          <EmployerScreen />
        ) : screen === 'historique' ? (
          <HistoryScreen key={args.join('/')} kind={args[0]} id={args[1]} />
        ) : screen === 'carte' ? (
          <CardScreen key={args[0] ?? ''} number={args[0]} />
        ) : (
          <PersonScreen />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
