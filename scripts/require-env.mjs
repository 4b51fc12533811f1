// Fails loudly when a suite that needs an external service is started without its address, so
// that `npm run test:pg` can never pass by silently testing nothing.
const missing = process.argv.slice(2).filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(`missing environment: ${missing.join(', ')} (see README, "Testing")`);
  process.exit(1);
}
