/** The `chatstore` command's process entry: `bin/chatstore.js` runs the compiled copy, `npm start` this source. */
import { main } from './cli';

process.exitCode = await main(process.argv.slice(2));
