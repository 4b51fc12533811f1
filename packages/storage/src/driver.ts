// Loading a database driver on demand, shared by openDatabase and the test engines (not exported from the
// package: an internal module).

/**
 * The drivers are optional peer dependencies: an installation carries only the one of the engine it uses,
 * so each is loaded when a database of its engine is opened, with an error naming the package if absent.
 */
export async function loadDriver<Driver>(name: 'pg' | 'better-sqlite3'): Promise<Driver> {
  try {
    const module = (await import(name)) as { default: Driver };
    return module.default;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(`openDatabase: the ${name} package is not installed; run \`npm install ${name}\``, {
      cause: error,
    });
  }
}
