/**
 * The admin HTTP server (health, readiness, metrics, admin API), its client
 * and the `mediator admin` commands.
 */
export { startAdminServer, READINESS_TIMEOUT_MS_DEFAULT, type AdminServer, type AdminServerOptions } from './server.js';
export { AdminApiError, AdminClient, type AdminClientOptions } from './client.js';
export { adminCommand, DEFAULT_ADMIN_URL, type AdminCliIo } from './cli.js';
