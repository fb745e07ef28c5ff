#!/usr/bin/env bash
# The tester's walk of docs/TESTING.md in one go: sign in, read the code,
# verify, see the session, sign it out from the phone. Needs curl and jq.
#
#   bash docs/tester-walk.sh                       # against http://127.0.0.1:8470
#   source docs/tester-walk.sh                     # the same, keeping LOGIN, TOKEN and SESSION in your shell
#   B=https://127.0.0.1:8470 CACERT=/tmp/linkdesk-mockserver/cert.pem bash docs/tester-walk.sh   # a server run with --tls
#
# Or paste it into a shell, a step at a time. The tests run this very file
# against the mock server (cmd/mockserver TestTesterWalkScript).
[[ "${BASH_SOURCE[0]:-}" == "$0" ]] && set -euo pipefail # stop at the first failure, unless sourced or pasted

B=${B:-http://127.0.0.1:8470}
EMAIL=${EMAIL:-demo@linkdesk.test}
PASSWORD=${PASSWORD:-linkdesk-demo}
FP=${FP:-3f1c0a9e5b7d}   # this computer's fingerprint: any 1-128 visible characters
DEV=$(jq -nc --arg fp "$FP" '{id:"dev-1", name:"ANNA-LAPTOP", platform:"windows", fingerprint:$fp}')
# curl that fails on an error status (still printing the error body) and trusts --tls's certificate.
ld() { curl -sS --fail-with-body ${CACERT:+--cacert "$CACERT"} "$@"; }

# 1. Sign in: the password step opens a pending login.
LOGIN=$(ld -X POST "$B/v1/logins" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" --argjson d "$DEV" '{email:$e, password:$p, device:$d}')" |
  jq -r .login_id)
echo "LOGIN=$LOGIN"

# 2. Read the code the phone shows: the tester controls list it, no phone needed.
CODE=$(ld "$B/mock/v1/logins?email=$EMAIL" | jq -r --arg id "$LOGIN" '.logins[] | select(.login_id == $id) | .code')

# 3. Verify: the code issues the session. TOKEN is a secret: it is not printed.
GRANT=$(ld -X POST "$B/v1/logins/$LOGIN/code" -H "Linkdesk-Device: $FP" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg c "$CODE" '{code:$c}')")
TOKEN=$(jq -r .token <<<"$GRANT")
SESSION=$(jq -r .session.id <<<"$GRANT")
echo "SESSION=$SESSION"

# 4. See the session.
ld "$B/v1/session" -H "Authorization: Bearer $TOKEN" -H "Linkdesk-Device: $FP" |
  jq -c '.session | {id, account: .account.email, device: .device.name, expires_at}'

# 5. Sign it out from the phone: the phone signs in, then removes this computer.
PT=$(ld -X POST "$B/phone/v1/signin" -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" '{email:$e, password:$p}')" | jq -r .phone_token)
ld -X DELETE "$B/phone/v1/devices/$SESSION" -H "Authorization: Bearer $PT" -o /dev/null -w 'signed out from the phone: HTTP %{http_code}\n'

# The desktop now learns why (401 session_revoked).
curl -sS ${CACERT:+--cacert "$CACERT"} "$B/v1/session" -H "Authorization: Bearer $TOKEN" -H "Linkdesk-Device: $FP" |
  jq -r '"the session now answers: " + .error.code'
