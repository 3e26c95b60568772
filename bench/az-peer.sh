#!/usr/bin/env bash
# The action's job done with the Azure CLI, as a workflow shell step would do it (the peer of `npm run bench`,
# bench/peer.ts): sign in with the GitHub OIDC token, the same reads (APIM service, API, API policy, site, Easy Auth),
# and in apply the same three writes (APIM system-assigned identity through its long-running operation, Easy Auth
# authsettingsV2, the API's inbound policy).
#
# usage: az-peer.sh check|apply
# env: CLIENT_ID TENANT_ID SUBSCRIPTION_ID RG APIM API SITE APP_CLIENT_ID, ACTIONS_ID_TOKEN_REQUEST_URL and
#      ACTIONS_ID_TOKEN_REQUEST_TOKEN (as the runner gives them), and whatever points az and curl at Azure (here: the
#      twin's proxy, scripts/az-cli.ts). Exit: check 0 in sync / 1 drift; apply 0 done; anything else failed.
# Needs az, curl, jq, GNU sed. Sequential, as such steps are usually written (each az call is a new Python process).
set -euo pipefail
mode=${1:?usage: az-peer.sh check|apply}
arm=https://management.azure.com
apim_id=/subscriptions/$SUBSCRIPTION_ID/resourceGroups/$RG/providers/Microsoft.ApiManagement/service/$APIM
site_id=/subscriptions/$SUBSCRIPTION_ID/resourceGroups/$RG/providers/Microsoft.Web/sites/$SITE
apim_v=2024-05-01
web_v=2024-04-01
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sign in: the GitHub OIDC token (docs.github.com "OpenID Connect reference"), then az's federated sign-in.
token=$(curl -fsS -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value)
az login --service-principal -u "$CLIENT_ID" --tenant "$TENANT_ID" --federated-token "$token" -o none

# The reads.
service=$(az apim show -g "$RG" -n "$APIM" -o json)
az apim api show -g "$RG" --service-name "$APIM" --api-id "$API" -o none
policy=$(az rest --method get --url "$arm$apim_id/apis/$API/policies/policy?api-version=$apim_v&format=rawxml" |
  jq -r .properties.value)
az rest --method get --url "$arm$site_id?api-version=$web_v" -o none
auth=$(az rest --method get --url "$arm$site_id/config/authsettingsV2?api-version=$web_v")

# Drift, field by field (what the action owns).
type=$(jq -r '.identity.type // ""' <<<"$service")
principal=$(jq -r '.identity.principalId // ""' <<<"$service")
issuer="https://sts.windows.net/$TENANT_ID/"
auth_ok() {
  jq -e --arg app "$APP_CLIENT_ID" --arg iss "$issuer" --arg pid "$1" '.properties as $p
    | $p.identityProviders.azureActiveDirectory as $aad
    | $p.platform.enabled == true and $p.globalValidation.requireAuthentication == true
      and $p.globalValidation.unauthenticatedClientAction == "Return401" and $aad.enabled == true
      and $aad.registration.clientId == $app and $aad.registration.openIdIssuer == $iss
      and (($aad.validation.defaultAuthorizationPolicy.allowedPrincipals.identities // []) | index($pid)) != null' \
    <<<"$auth" >/dev/null
}
policy_ok() {
  grep -q "<authentication-managed-identity resource=\"$APP_CLIENT_ID\"" <<<"$policy" &&
    grep -q '<set-header name="Ocp-Apim-Subscription-Key" exists-action="delete"' <<<"$policy" &&
    grep -q '<set-query-parameter name="subscription-key" exists-action="delete"' <<<"$policy"
}
drift=0
[[ $type == *SystemAssigned* && -n $principal ]] || { echo "drift: APIM identity ($type)"; drift=1; }
auth_ok "$principal" || { echo "drift: Easy Auth"; drift=1; }
policy_ok || { echo "drift: API policy $API"; drift=1; }
if [[ $mode == check ]]; then
  [[ $drift == 0 ]] && echo "in sync"
  exit "$drift"
fi

# Apply: the three writes, each only when needed.
if [[ $type != *SystemAssigned* || -z $principal ]]; then
  new_type=SystemAssigned
  [[ $type == *UserAssigned* ]] && new_type="SystemAssigned, UserAssigned"
  az rest --method patch --url "$arm$apim_id?api-version=$apim_v" \
    --body "{\"identity\":{\"type\":\"$new_type\"}}" -o none
  az apim wait -g "$RG" -n "$APIM" --updated --interval 1
  principal=$(az apim show -g "$RG" -n "$APIM" --query identity.principalId -o tsv)
  echo "applied: APIM identity ($new_type, principalId $principal)"
fi
if ! auth_ok "$principal"; then
  jq --arg app "$APP_CLIENT_ID" --arg iss "$issuer" --arg pid "$principal" '{properties: (.properties
    | .platform.enabled = true
    | .globalValidation.requireAuthentication = true
    | .globalValidation.unauthenticatedClientAction = "Return401"
    | .identityProviders.azureActiveDirectory.enabled = true
    | .identityProviders.azureActiveDirectory.registration.clientId = $app
    | .identityProviders.azureActiveDirectory.registration.openIdIssuer = $iss
    | .identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities =
        ([$pid] + (.identityProviders.azureActiveDirectory.validation.defaultAuthorizationPolicy.allowedPrincipals.identities // []) | unique))}' \
    <<<"$auth" >"$tmp/auth.json"
  az rest --method put --url "$arm$site_id/config/authsettingsV2?api-version=$web_v" --body "@$tmp/auth.json" -o none
  echo "applied: Easy Auth"
fi
if ! policy_ok; then
  i='        '
  new_policy=$(sed -e '/<authentication-managed-identity /d' -e '/<set-header name="Ocp-Apim-Subscription-Key"/d' \
    -e '/<set-query-parameter name="subscription-key"/d' <<<"$policy" |
    sed "0,/<base \/>/s||<base />\n$i<authentication-managed-identity resource=\"$APP_CLIENT_ID\" />\n$i<set-header name=\"Ocp-Apim-Subscription-Key\" exists-action=\"delete\" />\n$i<set-query-parameter name=\"subscription-key\" exists-action=\"delete\" />|")
  jq -n --arg v "$new_policy" '{properties: {format: "rawxml", value: $v}}' >"$tmp/policy.json"
  az rest --method put --url "$arm$apim_id/apis/$API/policies/policy?api-version=$apim_v" \
    --body "@$tmp/policy.json" -o none
  echo "applied: API policy $API"
fi
