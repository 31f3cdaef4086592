/** The page's small helpers: elements by id, and the address that holds the state. */

/** The element with this id. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The view and its parameters from the address: #graph?source=…&v.x=1 or #train?data=moons&…. */
export function readHash(): { view: 'graph' | 'train'; params: URLSearchParams } {
  const [view, query = ''] = location.hash.slice(1).split('?');
  return { view: view === 'train' ? 'train' : 'graph', params: new URLSearchParams(query) };
}

/** Puts the view and its parameters in the address, without a new history entry. */
export function writeHash(view: 'graph' | 'train', params: URLSearchParams): void {
  const query = params.toString();
  history.replaceState(null, '', `#${view}${query ? `?${query}` : ''}`);
}

/** Saves `data` as a file named `name`, as a download the browser offers. */
export function saveFile(name: string, data: string | Uint8Array, type: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Copies the page's address (which holds its state) and says so on `button` for two seconds. */
export async function copyLink(button: HTMLElement): Promise<void> {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(location.href);
    button.textContent = 'link copied';
  } catch {
    // no clipboard (an insecure page, a refused permission): the address bar has the same link
    button.textContent = 'the address bar holds the link';
  }
  setTimeout(() => {
    button.textContent = label;
  }, 2000);
}
