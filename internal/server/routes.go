package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/portail-aci/aci/internal/domain/contractlife"

	"github.com/portail-aci/aci/web"
)

// routes is the whole URL surface of the product: every route, its method,
// handler and middleware, in this one file.
//
// Middleware of the records named by {id} (resources.go): withStructure,
// withDossier and withContract load the record through the viewer's Scope
// once and put it, with the viewer's access.Permission on it, in the
// request context; outside the scope they answer 404. limitBody caps the
// body of each form (parseForm turns an overflow into 413).
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.logRequests, s.recoverPanics, s.securityHeaders, s.refuseBadQuery, s.dbDeadline)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusMethodNotAllowed, "Action impossible", "Cette adresse n'accepte pas cette action.")
	})

	r.Get("/healthz", s.healthz)
	r.Handle("/static/*", web.Handler())

	// Everything with a session. CrossOriginProtection refuses state-changing
	// requests (POST, PUT, DELETE...) sent from another origin; GET never
	// changes state.
	r.Group(func(r chi.Router) {
		r.Use(s.crossOrigin, s.flashes, s.loadSession, s.loadViewer)

		r.Get("/login", s.loginForm)
		r.With(s.limitBody(64<<10)).Post("/login", s.loginSubmit)
		r.With(s.limitBody(4<<10)).Post("/logout", s.logout)
		// The login's second step (mfa.go): only a session whose password
		// was right and that waits for its code reaches them.
		r.Get("/login/code", s.mfaLoginForm)
		r.With(s.limitBody(4<<10)).Post("/login/code", s.mfaLoginSubmit)
		r.Get("/login/activation", s.mfaEnrolLoginForm)
		r.With(s.limitBody(4<<10)).Post("/login/activation", s.mfaEnrolLoginSubmit)
		r.Get("/mot-de-passe-oublie", s.forgotForm)
		r.With(s.limitBody(4<<10)).Post("/mot-de-passe-oublie", s.forgotSubmit)
		r.Get("/mot-de-passe/nouveau", s.resetForm)
		r.With(s.limitBody(8<<10)).Post("/mot-de-passe/nouveau", s.resetSubmit)

		r.Group(func(r chi.Router) {
			r.Use(s.requireLogin)
			r.With(s.limitBody(4<<10)).Post("/organisation", s.switchOrganisation)
			r.Get("/", s.home)

			// Structures: registry, identity, CSV export (structure_*.go).
			r.Get("/structures", s.structureList)
			r.Get("/structures/export.csv", s.structureExport)
			r.Get("/structures/nouvelle", s.structureNew)
			r.With(s.limitBody(64<<10)).Post("/structures/nouvelle", s.structureCreate)
			r.With(s.withStructure).Get("/structures/{id}", s.structureShow)
			r.With(s.withStructure).Get("/structures/{id}/modifier", s.structureEdit)
			r.With(s.limitBody(64<<10), s.withStructure).Post("/structures/{id}/modifier", s.structureUpdate)
			r.With(s.limitBody(4<<10), s.withStructure).Post("/structures/{id}/archiver", s.structureArchive)
			r.With(s.limitBody(4<<10), s.withStructure).Post("/structures/{id}/desarchiver", s.structureUnarchive)
			// Changes of seat once a dossier is filed (seat.go): the
			// coordinator's request, the CPAM's (or an admin's) decision.
			r.With(s.withStructure).Get("/structures/{id}/siege", s.seatForm)
			r.With(s.limitBody(16<<10), s.withStructure).Post("/structures/{id}/siege", s.seatRequest)
			r.With(s.limitBody(16<<10), s.withStructure).Post("/structures/{id}/siege/{rid}", s.seatDecide)
			r.Get("/changements-de-siege", s.seatPending)

			// The yearly statement of the sums paid (statement.go): the
			// printable page, and the PDF when {annee} ends in ".pdf".
			r.With(s.withStructure).Get("/structures/{id}/attestation/{annee}", s.statementShow)

			// Members of a structure, their CSV import (member_*.go).
			r.With(s.withStructure).Get("/structures/{id}/membres", s.memberList)
			r.With(s.withStructure).Get("/structures/{id}/membres/nouveau", s.memberNew)
			r.With(s.limitBody(64<<10), s.withStructure).Post("/structures/{id}/membres/nouveau", s.memberCreate)
			r.With(s.withStructure).Get("/structures/{id}/membres/{mid}/modifier", s.memberEdit)
			r.With(s.limitBody(64<<10), s.withStructure).Post("/structures/{id}/membres/{mid}/modifier", s.memberUpdate)
			r.With(s.limitBody(4<<10), s.withStructure).Post("/structures/{id}/membres/{mid}/retirer", s.memberRemove)
			r.With(s.withStructure).Get("/structures/{id}/membres/export.csv", s.memberExport)
			r.Get("/membres/modele.csv", s.memberTemplate)
			r.With(s.withStructure).Get("/structures/{id}/membres/import", s.memberImportForm)
			r.With(s.limitBody(3<<20), s.withStructure).Post("/structures/{id}/membres/import", s.memberImport)
			r.With(s.withStructure).Get("/structures/{id}/membres/import/rapport", s.memberImportReport)

			// A CPTS's territory: editor, communes search, exports (territory_*.go).
			r.With(s.withStructure).Get("/structures/{id}/territoire", s.territoryShow)
			r.With(s.withStructure).Get("/structures/{id}/territoire.csv", s.territoryCSV)
			r.With(s.withStructure).Get("/structures/{id}/territoire/imprimer", s.territoryPrint)
			r.With(s.limitBody(8<<10), s.withStructure).Post("/structures/{id}/territoire/communes", s.territoryAdd)
			r.With(s.limitBody(8<<10), s.withStructure).Post("/structures/{id}/territoire/epci", s.territoryAddEPCI)
			r.With(s.limitBody(8<<10), s.withStructure).Post("/structures/{id}/territoire/retirer", s.territoryRemove)

			// Funding: simulator and barèmes (simulator_*.go, bareme_*.go).
			// Every role reads the barèmes; only a national admin edits the
			// MSP indicators (404 to anyone else).
			r.Get("/simulateur", s.simulator)
			r.Get("/baremes", s.baremes)
			r.Group(func(r chi.Router) {
				r.Use(s.requireNationalAdmin)
				r.With(s.limitBody(16<<10)).Post("/baremes/msp", s.mspCreate)
				r.Get("/baremes/msp/{id}", s.mspEdit)
				r.With(s.limitBody(16<<10)).Post("/baremes/msp/{id}", s.mspUpdate)
				r.With(s.limitBody(4<<10)).Post("/baremes/msp/{id}/supprimer", s.mspDelete)
			})

			// Dossiers and the instruction queue (dossier_*.go, instruction_queue.go).
			r.Get("/dossiers", s.dossierList)
			r.Get("/dossiers/export.csv", s.dossierExport)
			r.With(s.limitBody(4<<10)).Post("/dossiers", s.dossierCreate)
			r.Get("/instruction", s.instructionQueue)
			r.Get("/instruction/export.csv", s.instructionExport)
			r.With(s.withDossier).Get("/dossiers/{id}", s.dossierShow)
			r.With(s.limitBody(64<<10), s.withDossier).Post("/dossiers/{id}/transitions", s.dossierTransition)
			r.With(s.limitBody(32<<10), s.withDossier).Post("/dossiers/{id}/complements", s.complementAdd)
			r.With(s.limitBody(32<<10), s.withDossier).Post("/dossiers/{id}/complements/{cid}/reponse", s.complementAnswer)
			r.With(s.limitBody(8<<10), s.withDossier).Post("/dossiers/{id}/rendez-vous", s.dossierAppointment)
			// Accelerator sessions and their reports (accelerator.go).
			r.With(s.limitBody(16<<10), s.withDossier).Post("/dossiers/{id}/accelerateur", s.acceleratorSchedule)
			r.With(s.limitBody(128<<10), s.withDossier).Post("/dossiers/{id}/accelerateur/{sid}/compte-rendu", s.acceleratorReport)

			// The dossier's content tab (dossier_content*.go). 50 000
			// characters of text, up to 4 bytes each, urlencoded: 1 MiB.
			r.With(s.withDossier).Get("/dossiers/{id}/contenu", s.dossierContentShow)
			r.With(s.limitBody(1<<20), s.withDossier).Post("/dossiers/{id}/contenu/{section}", s.dossierContentSave)

			// The dossier's documents tab (document_*.go).
			r.With(s.withDossier).Get("/dossiers/{id}/documents", s.documentsPage)
			r.With(s.limitBody(uploadBodyLimit), s.withDossier).Post("/dossiers/{id}/documents/{doc}", s.documentUpload)
			r.With(s.limitBody(4<<10), s.withDossier).Post("/dossiers/{id}/documents/{doc}/generer", s.documentGenerate)
			r.With(s.limitBody(16<<10), s.withDossier).Post("/dossiers/{id}/documents/{doc}/revue", s.documentReview)
			r.With(s.withDossier).Get("/dossiers/{id}/documents/{doc}/versions/{n}", s.documentDownload)

			// The dossier's messages tab (message_*.go): 20 MB attachment +
			// the text and the multipart envelope.
			r.With(s.withDossier).Get("/dossiers/{id}/messages", s.messagesShow)
			r.With(s.limitBody(uploadBodyLimit), s.withDossier).Post("/dossiers/{id}/messages", s.messagePost)
			r.With(s.limitBody(4<<10), s.withDossier).Post("/dossiers/{id}/messages/lu", s.messagesRead)
			r.With(s.withDossier).Get("/dossiers/{id}/messages/pieces/{aid}", s.messageAttachment)

			// The dossier's contract tab (contract_*.go): the page (preview,
			// signatures, payments, résiliation), the printable document,
			// the PDF and the actions.
			r.With(s.withContract).Get("/dossiers/{id}/contrat", s.contractShow)
			r.With(s.withContract).Get("/dossiers/{id}/contrat/document", s.contractDocument)
			r.With(s.withContract).Get("/dossiers/{id}/contrat.pdf", s.contractPDF)
			r.With(s.limitBody(4<<10), s.withContract).Post("/dossiers/{id}/contrat/signer", s.contractSign)
			r.With(s.limitBody(16<<10), s.withContract).Post("/dossiers/{id}/contrat/resiliation", s.contractRequestResiliation)
			r.With(s.limitBody(4<<10), s.withContract).Post("/dossiers/{id}/contrat/resiliation/suivi", s.contractTerminationRecord)
			r.With(s.limitBody(16<<10), s.withContract).Post("/dossiers/{id}/contrat/resilier", s.contractResilier)
			r.With(s.limitBody(4<<10), s.withContract).Post("/dossiers/{id}/contrat/paiements/{pid}/verse", s.contractMarkPaid)

			// The CPAM's payments (payments_page.go): list, actions on one
			// payment, batch order, accounting export and confirmation import.
			r.Get("/paiements", s.paymentsPage)
			r.Get("/paiements/export.csv", s.paymentsExport)
			r.Get("/paiements/ordonnancer", s.paymentsBatchForm)
			r.With(s.limitBody(8<<10)).Post("/paiements/ordonnancer", s.paymentsBatch)
			r.With(s.limitBody(maxConfirmationFile+64<<10)).Post("/paiements/import", s.paymentsImport)
			r.Get("/paiements/import/rapport", s.paymentsImportReport)
			r.With(s.limitBody(4<<10)).Post("/paiements/{pid}/ordonnancer", s.paymentAct(contractlife.Order))
			r.With(s.limitBody(4<<10)).Post("/paiements/{pid}/verser", s.paymentAct(contractlife.Pay))
			r.With(s.limitBody(4<<10)).Post("/paiements/{pid}/recouvrer", s.paymentAct(contractlife.Recover))
			r.With(s.limitBody(8<<10)).Post("/paiements/{pid}/annuler", s.paymentAct(contractlife.Cancel))

			// The contract's home (contract_home.go): /contrats/{id} is the
			// contract's own id.
			r.With(s.withContractByID).Get("/contrats/{id}", s.contractHome)
			// The yearly evaluation (contract_year.go, docs/rules.md §29): n is the
			// contract year (CPTS) or the civil year (MSP).
			r.With(s.withContractByID).Get("/contrats/{id}/annees/{n}", s.yearShow)
			r.With(s.limitBody(32<<20), s.withContractByID).Post("/contrats/{id}/annees/{n}/declaration", s.yearDeclare)
			r.With(s.limitBody(16<<10), s.withContractByID).Post("/contrats/{id}/annees/{n}/indicateurs/{code}/validation", s.yearValidate)
			r.With(s.limitBody(16<<10), s.withContractByID).Post("/contrats/{id}/annees/{n}/dialogue/preparation", s.yearPrepare)
			r.With(s.limitBody(uploadBodyLimit+64<<10), s.withContractByID).Post("/contrats/{id}/annees/{n}/dialogue", s.yearMeeting)
			r.With(s.limitBody(4<<10), s.withContractByID).Post("/contrats/{id}/annees/{n}/cloture", s.yearClose)
			r.With(s.limitBody(16<<10), s.withContractByID).Post("/contrats/{id}/annees/{n}/correction", s.yearCorrect)
			r.With(s.withContractByID).Get("/contrats/{id}/annees/{n}/pieces/{fid}", s.yearFile)

			// The steering page (steering.go): national admin, ARS, DCGDR
			// (access.ActSteer), 404 to anyone else.
			r.Get("/pilotage", s.steering)
			r.Get("/pilotage/export.csv", s.steeringExport)
			r.With(s.limitBody(uploadBodyLimit), s.withContractByID).Post("/contrats/{id}/missions/{mission}/demarrage", s.missionDeclare(false))
			r.With(s.limitBody(uploadBodyLimit), s.withContractByID).Post("/contrats/{id}/missions/{mission}/deploiement", s.missionDeclare(true))
			r.With(s.withContractByID).Get("/contrats/{id}/missions/{mission}/{kind}/fichier", s.missionFile)

			// Health crises, the crisis plan and avenants with effect
			// (crises.go, contract_life.go; docs/rules.md §31). withCrisis
			// reads /crises/{id} through the crises' scope (404 outside it).
			r.Get("/crises", s.crisesList)
			r.With(s.limitBody(16<<10)).Post("/crises", s.crisisDeclare)
			r.With(s.withCrisis).Get("/crises/{id}", s.crisisShow)
			r.With(s.withContractByID).Get("/contrats/{id}/plan-crise", s.crisisPlanShow)
			r.With(s.limitBody(uploadBodyLimit), s.withContractByID).Post("/contrats/{id}/plan-crise", s.crisisPlanUpload)
			r.With(s.withContractByID).Get("/contrats/{id}/plan-crise/{n}", s.crisisPlanFile)
			r.With(s.limitBody(8<<10), s.withContractByID).Post("/contrats/{id}/plan-crise/{n}/decision", s.crisisPlanDecide)
			r.With(s.withContractByID).Get("/contrats/{id}/avenants", s.avenantsShow)
			r.With(s.limitBody(64<<10), s.withContractByID).Post("/contrats/{id}/avenants", s.avenantPropose)
			r.With(s.withContractByID).Get("/contrats/{id}/avenants/{aid}", s.avenantShow)
			r.With(s.withContractByID).Get("/contrats/{id}/avenants/{aid}/document", s.avenantDocument)
			r.With(s.withContractByID).Get("/contrats/{id}/avenants/{aid}/document.pdf", s.avenantDocument)
			r.With(s.limitBody(8<<10), s.withContractByID).Post("/contrats/{id}/avenants/{aid}/decision", s.avenantDecide)
			r.With(s.limitBody(4<<10), s.withContractByID).Post("/contrats/{id}/avenants/{aid}/signer", s.avenantSign)

			// Notifications and the account (notification_page.go, account_*.go).
			r.Get("/notifications", s.notificationsShow)
			r.Get("/notifications/export.csv", s.notificationsExport)
			r.With(s.limitBody(4<<10)).Post("/notifications/lire", s.notificationsReadAll)
			r.With(s.limitBody(4<<10)).Post("/notifications/{nid}", s.notificationOpen)
			r.Get("/compte", s.accountShow)
			r.With(s.limitBody(4<<10)).Post("/compte", s.accountSave)
			r.With(s.limitBody(8<<10)).Post("/compte/mot-de-passe", s.accountPassword)
			r.With(s.limitBody(4<<10)).Post("/compte/sessions/terminer", s.accountEndSession)
			r.Get("/compte/sessions/autres", s.accountEndOthersConfirm)
			r.With(s.limitBody(4<<10)).Post("/compte/sessions/autres", s.accountEndOthers)
			r.Get("/compte/double-authentification", s.mfaAccountShow)
			r.With(s.limitBody(4<<10)).Post("/compte/double-authentification", s.mfaAccountConfirm)
			r.With(s.limitBody(4<<10)).Post("/compte/double-authentification/activer", s.mfaAccountStart)
			r.With(s.limitBody(4<<10)).Post("/compte/double-authentification/codes", s.mfaAccountRenew)
			r.With(s.limitBody(4<<10)).Post("/compte/double-authentification/desactiver", s.mfaAccountDisable)

			// Accounts administration (admin_*.go): national admin only
			// (docs/rules.md §12 "national admin: reference data, barèmes,
			// users"), 404 to anyone else.
			r.Group(func(r chi.Router) {
				r.Use(s.requireNationalAdmin)
				r.Get("/admin/utilisateurs", s.adminUsers)
				r.Get("/admin/utilisateurs/export.csv", s.adminUsersExport)
				r.Get("/admin/utilisateurs/nouveau", s.adminUserNew)
				r.Get("/admin/utilisateurs/{id}", s.adminUserShow)
				r.Get("/admin/organisations", s.adminOrgs)
				r.Get("/admin/organisations/export.csv", s.adminOrgsExport)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/nouveau", s.adminUserCreate)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/{id}/rattachements", s.adminMembershipAdd)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/{id}/rattachements/retirer", s.adminMembershipRemove)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/{id}/desactiver", s.adminUserDisable)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/{id}/reactiver", s.adminUserEnable)
				r.With(s.limitBody(16<<10)).Post("/admin/utilisateurs/{id}/double-authentification/reinitialiser", s.adminMFAReset)
				r.With(s.limitBody(16<<10)).Post("/admin/organisations", s.adminOrgCreate)
			})
		})
	})
	return r
}
