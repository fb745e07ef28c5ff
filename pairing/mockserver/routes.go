package mockserver

import (
	"net/http"

	"github.com/linkdesk/linkdesk/pairing"
)

// routes builds the handler: CORS outermost, then request IDs and the Date header, the
// caller's address, the journal, the fault injector and the access guard around the API routes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Desktop.
	mux.HandleFunc("POST /v1/logins", s.handleStartLogin)
	mux.HandleFunc("POST /v1/logins/{id}/code", s.handleSubmitCode)
	mux.HandleFunc("POST /v1/logins/{id}/code/renew", s.handleRenewCode)
	mux.HandleFunc("POST /v1/logins/{id}/qr", s.handleRotateQR)
	mux.HandleFunc("GET /v1/logins/{id}/events", s.handleLoginEvents)
	mux.HandleFunc("DELETE /v1/logins/{id}", s.handleCancelLogin)
	mux.HandleFunc("GET /v1/session", s.handleSession)
	mux.HandleFunc("GET /v1/session/events", s.handleSessionEvents)
	mux.HandleFunc("DELETE /v1/session", s.handleSignOut)

	// Phone.
	mux.HandleFunc("POST /phone/v1/signin", s.handlePhoneSignIn)
	mux.HandleFunc("GET /phone/v1/link", s.asPhone(s.handlePhoneLink))
	mux.HandleFunc("POST /phone/v1/qr/scan", s.asPhone(s.handlePhoneScan))
	mux.HandleFunc("POST /phone/v1/logins/{id}/approve", s.asPhone(s.handlePhoneApprove))
	mux.HandleFunc("POST /phone/v1/logins/{id}/decline", s.asPhone(s.handlePhoneDecline))
	mux.HandleFunc("DELETE /phone/v1/devices/{session_id}", s.asPhone(s.handlePhoneRevoke))
	mux.HandleFunc("POST /phone/v1/password", s.asPhone(s.handlePhonePassword))
	s.phoneWebRoutes(mux)

	// Tester controls.
	mux.HandleFunc("GET /mock/v1/health", s.handleHealth)
	mux.HandleFunc("POST /mock/v1/reset", s.handleReset)
	mux.HandleFunc("GET /mock/v1/accounts", s.handleListAccounts)
	mux.HandleFunc("POST /mock/v1/accounts", s.handleAddAccount)
	mux.HandleFunc("GET /mock/v1/faults", s.handleListFaults)
	mux.HandleFunc("POST /mock/v1/faults", s.handleAddFault)
	mux.HandleFunc("DELETE /mock/v1/faults", s.handleClearFaults)
	mux.HandleFunc("GET /mock/v1/logins", s.handleTesterLogins)
	mux.HandleFunc("GET /mock/v1/requests", s.handleRequests)
	mux.HandleFunc("DELETE /mock/v1/requests", s.handleClearRequests)
	mux.HandleFunc("GET /mock/v1/clock", s.handleClock)
	mux.HandleFunc("POST /mock/v1/clock", s.handleAdvanceClock)
	mux.HandleFunc("GET /mock/v1/maintenance", s.handleMaintenanceState)
	mux.HandleFunc("POST /mock/v1/maintenance", s.handleMaintenance)

	// Tools.
	mux.HandleFunc("GET "+healthzPath, handleHealthz)
	mux.HandleFunc("GET "+openAPIPath, serveOpenAPI)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, pairing.CodeNotFound, "no such endpoint or method")
	})
	return withCORS(s.cfg.CORSOrigins, withRequestID(s.clock, withClientAddress(s.recordRequests(s.injectFaults(s.guard(mux))))))
}
