// Runs @labdigital/commercetools-mock as a real HTTP server for the contract tests.
// runServer() hard-codes host 0.0.0.0, so we listen on the Fastify app ourselves, on 127.0.0.1 only.
import { CommercetoolsMock } from "@labdigital/commercetools-mock";

const port = Number(process.argv[2]);
const mock = new CommercetoolsMock({ enableAuthentication: true, validateCredentials: true, silent: true });
await mock.app.listen({ port, host: "127.0.0.1" });
console.log(`ctmock listening on 127.0.0.1:${port}`);
