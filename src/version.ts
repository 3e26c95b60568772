/**
 * The action's name and version as ARM sees them: the prefix of every SDK request's User-Agent, so ARM activity logs
 * and Azure support can tell this action's requests apart (Azure SDK `userAgentOptions.userAgentPrefix`). Keep the
 * version equal to package.json's (a test checks it).
 */
export const ACTION_VERSION = '0.1.0';
export const USER_AGENT_PREFIX = `apim-function-auth/${ACTION_VERSION}`;
