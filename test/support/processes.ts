/** Runs a separate Node.js process (a spawned CLI or worker) to its end, without DATABASE_URL. */
import { spawn } from 'node:child_process';

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node <args…>` in `cwd`; resolves with its exit code and output when it ends. */
export function runNode(args: string[], cwd: string): Promise<ProcessRun> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
