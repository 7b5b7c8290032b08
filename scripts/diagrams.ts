/**
 * `npm run docs:diagrams`: redraws the Mermaid ER diagram of every target in its guide under
 * docs/targets/ from the schema modules. test/diagram.test.ts fails while one is stale.
 */
import { updateDiagrams } from '../src/cli/diagram';

const changed = updateDiagrams();
console.log(changed.length ? `updated ${changed.join(', ')}` : 'every diagram is current');
