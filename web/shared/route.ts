// A page's screen is chosen by the address's fragment (#/screen/arg/...), so that each can be
// linked and reloaded; when it changes, the focus goes to <main id="main"> (for keyboard and
// screen-reader users, as after a page load).
import { useEffect, useState } from 'preact/hooks';

function parse(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

/** The fragment's parts, decoded: "#/famille/12" → ["famille", "12"]. */
export function useHashRoute(): string[] {
  const [route, setRoute] = useState(parse(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parse(location.hash));
      document.getElementById('main')?.focus();
    };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
