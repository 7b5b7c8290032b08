// An app bundled with esbuild (consumer check, part c): chatstore inside the bundle, the drivers
// external. CHATSTORE_MIGRATIONS, when set, is a copy of chatstore's drizzle/ folder.
import { connect, migrate } from 'chatstore';
import { createTask, createUser, listTasks } from 'chatstore/todo';

const folder = process.env.CHATSTORE_MIGRATIONS;
const options = folder ? { migrationsFolder: folder } : {};
try {
  const conn = await connect('todo', 'pglite:memory:', { ...options, migrate: true });
  try {
    await migrate(conn, options);
    await createUser(conn.db, { id: 'u1', email: 'ada@example.com', name: 'Ada' });
    await createTask(conn.db, { userId: 'u1', title: 'Buy milk' });
    console.log(`bundle: ${(await listTasks(conn.db, { userId: 'u1' })).length} task(s)`);
  } finally {
    await conn.close();
  }
} catch (error) {
  console.error(`bundle: ${error.code}: ${error.message}`);
  process.exitCode = 1;
}
