;; escrow-secure: an sBTC escrow between a payer and a payee with an arbiter for disputes
;; (docs/contract.md). It keeps the public interface of the security guide's contract and fixes
;; its faults: a deposit really moves the tokens, the payer may refund itself only after the
;; deadline, only the invoice's arbiter resolves, the token passed must be the invoice's,
;; a paused contract refuses the whole lifecycle, and the ruling's rationale hash is stored.
;; Version 2 adds split awards with the decision-log root on chain, puts every admin action
;; under 2-of-3 approval with expiry, and gives the parties a way out when the arbiter is gone.
;; Every state change prints a tuple with `event`, `invoice-id` and the principals involved,
;; so that an arbiter's disputes can be found from contract events alone.

(use-trait sip-010-trait .sip-010-trait.sip-010-trait)

(define-constant CONTRACT-OWNER tx-sender)

;; Invoice status codes.
(define-constant STATUS-OPEN u0)
(define-constant STATUS-FUNDED u1)
(define-constant STATUS-RELEASED u2)
(define-constant STATUS-DISPUTED u3)
(define-constant STATUS-REFUNDED u4)

;; 100 sBTC in satoshis: a bound on the damage a single invoice can do.
(define-constant MAX-INVOICE-AMOUNT u10000000000)
(define-constant STATUS-SPLIT u5)
(define-constant MAX-EVIDENCE-PER-PARTY u10)
;; A dispute still unresolved this many Bitcoin blocks (about 30 days) after it was raised
;; may be escalated by either party; see `escalate`.
(define-constant ESCALATION-WINDOW u4320)
(define-constant APPROVALS-NEEDED u2)

(define-constant ERR-NOT-ADMIN (err u100))
(define-constant ERR-PAUSED (err u101))
(define-constant ERR-INVOICE-EXISTS (err u102))
(define-constant ERR-INVOICE-NOT-FOUND (err u103))
(define-constant ERR-INVALID-AMOUNT (err u104))
(define-constant ERR-TOKEN-NOT-WHITELISTED (err u105))
(define-constant ERR-INVALID-ARBITER (err u106))
(define-constant ERR-NOT-PAYER (err u107))
(define-constant ERR-NOT-PARTY (err u108))
(define-constant ERR-WRONG-STATUS (err u109))
(define-constant ERR-WRONG-TOKEN (err u110))
(define-constant ERR-NOT-ARBITER (err u111))
(define-constant ERR-DEADLINE-NOT-PASSED (err u112))
(define-constant ERR-TOO-MUCH-EVIDENCE (err u113))
(define-constant ERR-ACTION-NOT-FOUND (err u114))
(define-constant ERR-ALREADY-APPROVED (err u115))
(define-constant ERR-INVALID-DEADLINE (err u116))
(define-constant ERR-INVALID-PAYEE (err u117))
(define-constant ERR-NOT-OWNER (err u118))
(define-constant ERR-ADMINS-SET (err u119))
(define-constant ERR-ACTION-DONE (err u120))
(define-constant ERR-NOT-PAUSED (err u121))
(define-constant ERR-ACTION-EXPIRED (err u122))
(define-constant ERR-INVALID-ADMIN (err u123))
(define-constant ERR-OVER-AWARD (err u124))
(define-constant ERR-TOO-EARLY (err u125))

;; ---------------------------------------------------------------- governance
;; Every admin action (pause, unpause, whitelisting or removing a token, replacing an admin) is
;; proposed by one admin and carried out when a second one approves it: 2 of the 3 admins, as
;; the security guide asks, so no single admin can unpause the contract or take sBTC off the
;; whitelist (after which no ruling could pay out). A proposal not approved within
;; PROPOSAL-LIFETIME Bitcoin blocks expires. Each step prints an event naming the action id,
;; its proposer and its approvers.
;; A pause lapses by itself after MAX-PAUSE Bitcoin blocks unless two admins pause again: a
;; pause that is never lifted would otherwise freeze every deposit for good.

(define-constant ACTION-PAUSE u1)
(define-constant ACTION-UNPAUSE u2)
(define-constant ACTION-WHITELIST u3)
(define-constant ACTION-REMOVE-TOKEN u4)
(define-constant ACTION-REPLACE-ADMIN u5)
(define-constant PROPOSAL-LIFETIME u144) ;; Bitcoin blocks, about a day
(define-constant MAX-PAUSE u1008) ;; Bitcoin blocks, about a week

(define-data-var admins (list 3 principal) (list))
(define-data-var paused-until uint u0) ;; the contract is paused while burn-block-height < this
(define-data-var last-action-id uint u0)
(define-map actions uint
  { kind: uint, token: (optional principal), old-admin: (optional principal),
    new-admin: (optional principal), proposer: principal, approvers: (list 3 principal),
    executed: bool, expires-at: uint })
(define-map whitelisted-tokens principal bool)

(define-private (is-admin (who principal))
  (is-some (index-of? (var-get admins) who)))

(define-private (paused-now) (< burn-block-height (var-get paused-until)))

(define-private (action-name (kind uint))
  (if (is-eq kind ACTION-PAUSE) "pause"
    (if (is-eq kind ACTION-UNPAUSE) "unpause"
      (if (is-eq kind ACTION-WHITELIST) "whitelist-token"
        (if (is-eq kind ACTION-REMOVE-TOKEN) "remove-token" "replace-admin")))))

;; The deployer names the three admins once; from then on only they govern.
(define-public (set-admins (a1 principal) (a2 principal) (a3 principal))
  (begin
    (asserts! (is-eq tx-sender CONTRACT-OWNER) ERR-NOT-OWNER)
    (asserts! (is-eq (len (var-get admins)) u0) ERR-ADMINS-SET)
    (asserts! (not (or (is-eq a1 a2) (is-eq a1 a3) (is-eq a2 a3))) ERR-INVALID-ADMIN)
    (var-set admins (list a1 a2 a3))
    (print { event: "admins-set", admins: (list a1 a2 a3) })
    (ok true)))

(define-private (propose (kind uint) (token (optional principal)) (old-admin (optional principal))
                         (new-admin (optional principal)))
  (let ((action-id (+ (var-get last-action-id) u1))
        (expires-at (+ burn-block-height PROPOSAL-LIFETIME)))
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (var-set last-action-id action-id)
    (map-set actions action-id
             { kind: kind, token: token, old-admin: old-admin, new-admin: new-admin,
               proposer: tx-sender, approvers: (list tx-sender), executed: false,
               expires-at: expires-at })
    (print { event: (if (is-eq kind ACTION-PAUSE) "pause-proposed" "action-proposed"),
             action-id: action-id, action: (action-name kind), proposer: tx-sender,
             token: token, old-admin: old-admin, new-admin: new-admin,
             expires-at: expires-at })
    (ok action-id)))

(define-public (propose-pause) (propose ACTION-PAUSE none none none))

(define-public (unpause)
  (begin
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (asserts! (paused-now) ERR-NOT-PAUSED)
    (propose ACTION-UNPAUSE none none none)))

(define-public (whitelist-token (token principal))
  (propose ACTION-WHITELIST (some token) none none))

(define-public (remove-token-from-whitelist (token principal))
  (propose ACTION-REMOVE-TOKEN (some token) none none))

(define-public (propose-admin-replacement (old-admin principal) (new-admin principal))
  (begin
    (asserts! (is-admin old-admin) ERR-INVALID-ADMIN)
    (asserts! (not (is-admin new-admin)) ERR-INVALID-ADMIN)
    (propose ACTION-REPLACE-ADMIN none (some old-admin) (some new-admin))))

;; A second admin's approval carries the action out. Approvals of an admin who has since
;; been replaced do not count.
(define-public (approve-action (action-id uint))
  (let ((action (unwrap! (map-get? actions action-id) ERR-ACTION-NOT-FOUND))
        (approvers (unwrap! (as-max-len? (append (get approvers action) tx-sender) u3)
                            ERR-ACTION-DONE))
        (carried (>= (len (filter is-admin approvers)) APPROVALS-NEEDED)))
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (asserts! (not (get executed action)) ERR-ACTION-DONE)
    (asserts! (< burn-block-height (get expires-at action)) ERR-ACTION-EXPIRED)
    (asserts! (is-none (index-of? (get approvers action) tx-sender)) ERR-ALREADY-APPROVED)
    (map-set actions action-id (merge action { approvers: approvers, executed: carried }))
    (print { event: (if (is-eq (get kind action) ACTION-PAUSE) "pause-approved" "action-approved"),
             action-id: action-id, action: (action-name (get kind action)), admin: tx-sender,
             proposer: (get proposer action), approvers: approvers, executed: carried })
    (if carried (carry-out action-id action approvers) (ok false))))

;; Kept from the first version: approving a pause proposal.
(define-public (approve-pause (action-id uint))
  (let ((action (unwrap! (map-get? actions action-id) ERR-ACTION-NOT-FOUND)))
    (asserts! (is-eq (get kind action) ACTION-PAUSE) ERR-ACTION-NOT-FOUND)
    (approve-action action-id)))

(define-private (carry-out (action-id uint)
                           (action { kind: uint, token: (optional principal),
                                     old-admin: (optional principal),
                                     new-admin: (optional principal), proposer: principal,
                                     approvers: (list 3 principal), executed: bool,
                                     expires-at: uint })
                           (approvers (list 3 principal)))
  (let ((kind (get kind action))
        (who { action-id: action-id, proposer: (get proposer action), approvers: approvers }))
    (if (is-eq kind ACTION-PAUSE)
        (begin (var-set paused-until (+ burn-block-height MAX-PAUSE))
               (print (merge who { event: "paused", paused-until: (var-get paused-until) }))
               (ok true))
    (if (is-eq kind ACTION-UNPAUSE)
        (begin (var-set paused-until u0)
               (print (merge who { event: "unpaused", admin: tx-sender }))
               (ok true))
    (if (is-eq kind ACTION-WHITELIST)
        (let ((token (unwrap-panic (get token action))))
          (map-set whitelisted-tokens token true)
          (print (merge who { event: "token-whitelisted", token: token, admin: tx-sender }))
          (ok true))
    (if (is-eq kind ACTION-REMOVE-TOKEN)
        (let ((token (unwrap-panic (get token action))))
          (map-delete whitelisted-tokens token)
          (print (merge who { event: "token-removed", token: token, admin: tx-sender }))
          (ok true))
        (replace-admin who (unwrap-panic (get old-admin action))
                       (unwrap-panic (get new-admin action)))))))))

(define-private (replace-admin (who { action-id: uint, proposer: principal,
                                      approvers: (list 3 principal) })
                               (old-admin principal) (new-admin principal))
  (let ((index (unwrap! (index-of? (var-get admins) old-admin) ERR-INVALID-ADMIN)))
    (asserts! (not (is-admin new-admin)) ERR-INVALID-ADMIN)
    (var-set admins (unwrap-panic (replace-at? (var-get admins) index new-admin)))
    (print (merge who { event: "admin-replaced", old-admin: old-admin, new-admin: new-admin,
                        admins: (var-get admins) }))
    (ok true)))

(define-read-only (is-paused) (paused-now))
(define-read-only (get-paused-until) (var-get paused-until))
(define-read-only (get-admins) (var-get admins))
(define-read-only (is-token-whitelisted (token principal))
  (default-to false (map-get? whitelisted-tokens token)))
(define-read-only (get-action (action-id uint)) (map-get? actions action-id))
(define-read-only (get-pause-action (action-id uint)) (get-action action-id))
(define-read-only (get-last-action-id) (var-get last-action-id))

;; ---------------------------------------------------------------- invoices

(define-map invoices uint
  { payer: principal, payee: principal, amount: uint, token-contract: principal,
    arbiter: principal, deadline: uint, metadata-hash: (optional (buff 32)), status: uint,
    created-at: uint })

(define-map disputes uint
  { raised-by: principal, reason-cid: (string-ascii 64), raised-at: uint,
    evidence-count: uint, payer-evidence: uint, payee-evidence: uint })

(define-map evidence { invoice-id: uint, index: uint }
  { submitter: principal, cid: (string-ascii 64), block-height: uint })

(define-map rulings uint
  { arbiter: principal, release: bool, rationale-hash: (buff 32), block-height: uint })

;; What a ruling paid each party, and the root of the arbiter's decision log at the ruling
;; (none for a ruling through the first version's resolve-dispute).
(define-map awards uint { payee-amount: uint, payer-amount: uint, log-root: (optional (buff 32)) })

;; The Bitcoin block at which each dispute was raised: its escalation clock.
(define-map dispute-raised-burn uint uint)

(define-read-only (get-invoice (invoice-id uint)) (map-get? invoices invoice-id))
(define-read-only (get-dispute (invoice-id uint)) (map-get? disputes invoice-id))
(define-read-only (get-evidence (invoice-id uint) (index uint))
  (map-get? evidence { invoice-id: invoice-id, index: index }))
(define-read-only (get-ruling (invoice-id uint)) (map-get? rulings invoice-id))
(define-read-only (get-award (invoice-id uint)) (map-get? awards invoice-id))
(define-read-only (get-escalation-height (invoice-id uint))
  (match (map-get? dispute-raised-burn invoice-id)
    raised (some (+ raised ESCALATION-WINDOW))
    none))

(define-private (set-status (invoice-id uint) (invoice { payer: principal, payee: principal,
    amount: uint, token-contract: principal, arbiter: principal, deadline: uint,
    metadata-hash: (optional (buff 32)), status: uint, created-at: uint }) (status uint))
  (map-set invoices invoice-id (merge invoice { status: status })))

;; Pays `amount` out of the escrow's own balance.
(define-private (pay-out (token <sip-010-trait>) (amount uint) (recipient principal))
  (as-contract (contract-call? token transfer amount tx-sender recipient none)))

(define-public (create-invoice (invoice-id uint) (payee principal) (amount uint)
                               (token-contract principal) (arbiter principal) (deadline uint)
                               (metadata-hash (optional (buff 32))))
  (begin
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (is-none (map-get? invoices invoice-id)) ERR-INVOICE-EXISTS)
    (asserts! (and (> amount u0) (<= amount MAX-INVOICE-AMOUNT)) ERR-INVALID-AMOUNT)
    (asserts! (is-token-whitelisted token-contract) ERR-TOKEN-NOT-WHITELISTED)
    (asserts! (not (is-eq payee tx-sender)) ERR-INVALID-PAYEE)
    (asserts! (not (or (is-eq arbiter tx-sender) (is-eq arbiter payee))) ERR-INVALID-ARBITER)
    (asserts! (> deadline stacks-block-height) ERR-INVALID-DEADLINE)
    (map-set invoices invoice-id
             { payer: tx-sender, payee: payee, amount: amount, token-contract: token-contract,
               arbiter: arbiter, deadline: deadline, metadata-hash: metadata-hash,
               status: STATUS-OPEN, created-at: stacks-block-height })
    (print { event: "invoice-created", invoice-id: invoice-id, payer: tx-sender, payee: payee,
             arbiter: arbiter, amount: amount, token-contract: token-contract,
             deadline: deadline, metadata-hash: metadata-hash })
    (ok invoice-id)))

;; The payer's tokens move into the escrow: the guide's version only read a balance.
(define-public (deposit-funds (invoice-id uint) (token <sip-010-trait>))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND)))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (is-eq tx-sender (get payer invoice)) ERR-NOT-PAYER)
    (asserts! (is-eq (get status invoice) STATUS-OPEN) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (try! (contract-call? token transfer (get amount invoice) tx-sender
                          (as-contract tx-sender) none))
    (set-status invoice-id invoice STATUS-FUNDED)
    (print { event: "funds-deposited", invoice-id: invoice-id, payer: tx-sender,
             payee: (get payee invoice), arbiter: (get arbiter invoice),
             amount: (get amount invoice) })
    (ok true)))

(define-public (ack-deposit (invoice-id uint) (token <sip-010-trait>))
  (deposit-funds invoice-id token))

(define-public (release-funds (invoice-id uint) (token <sip-010-trait>))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND)))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (is-eq tx-sender (get payer invoice)) ERR-NOT-PAYER)
    (asserts! (is-eq (get status invoice) STATUS-FUNDED) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (try! (pay-out token (get amount invoice) (get payee invoice)))
    (set-status invoice-id invoice STATUS-RELEASED)
    (print { event: "funds-released", invoice-id: invoice-id, payer: (get payer invoice),
             payee: (get payee invoice), arbiter: (get arbiter invoice),
             amount: (get amount invoice) })
    (ok true)))

;; The payee may refund at any time; the payer only once the deadline has passed.
(define-public (refund (invoice-id uint) (token <sip-010-trait>))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND))
        (payer (get payer invoice)))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (or (is-eq tx-sender payer) (is-eq tx-sender (get payee invoice))) ERR-NOT-PARTY)
    (asserts! (is-eq (get status invoice) STATUS-FUNDED) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (asserts! (or (is-eq tx-sender (get payee invoice))
                  (> stacks-block-height (get deadline invoice)))
              ERR-DEADLINE-NOT-PASSED)
    (try! (pay-out token (get amount invoice) payer))
    (set-status invoice-id invoice STATUS-REFUNDED)
    (print { event: "funds-refunded", invoice-id: invoice-id, payer: payer,
             payee: (get payee invoice), arbiter: (get arbiter invoice), refunded-by: tx-sender,
             amount: (get amount invoice) })
    (ok true)))

;; ---------------------------------------------------------------- disputes

(define-public (raise-dispute (invoice-id uint) (reason-cid (string-ascii 64)))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND)))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (or (is-eq tx-sender (get payer invoice)) (is-eq tx-sender (get payee invoice)))
              ERR-NOT-PARTY)
    (asserts! (is-eq (get status invoice) STATUS-FUNDED) ERR-WRONG-STATUS)
    (map-set disputes invoice-id
             { raised-by: tx-sender, reason-cid: reason-cid, raised-at: stacks-block-height,
               evidence-count: u0, payer-evidence: u0, payee-evidence: u0 })
    (map-set dispute-raised-burn invoice-id burn-block-height)
    (set-status invoice-id invoice STATUS-DISPUTED)
    (print { event: "dispute-raised", invoice-id: invoice-id, raised-by: tx-sender,
             payer: (get payer invoice), payee: (get payee invoice),
             arbiter: (get arbiter invoice), reason-cid: reason-cid })
    (ok true)))

(define-public (submit-evidence (invoice-id uint) (cid (string-ascii 64)))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND))
        (dispute (unwrap! (map-get? disputes invoice-id) ERR-WRONG-STATUS))
        (by-payer (is-eq tx-sender (get payer invoice)))
        (index (get evidence-count dispute))
        (own-count (if by-payer (get payer-evidence dispute) (get payee-evidence dispute))))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (or by-payer (is-eq tx-sender (get payee invoice))) ERR-NOT-PARTY)
    (asserts! (is-eq (get status invoice) STATUS-DISPUTED) ERR-WRONG-STATUS)
    (asserts! (< own-count MAX-EVIDENCE-PER-PARTY) ERR-TOO-MUCH-EVIDENCE)
    (map-set evidence { invoice-id: invoice-id, index: index }
             { submitter: tx-sender, cid: cid, block-height: stacks-block-height })
    (map-set disputes invoice-id
             (merge dispute { evidence-count: (+ index u1),
                              payer-evidence: (if by-payer (+ own-count u1)
                                                  (get payer-evidence dispute)),
                              payee-evidence: (if by-payer (get payee-evidence dispute)
                                                  (+ own-count u1)) }))
    (print { event: "evidence-submitted", invoice-id: invoice-id, index: index,
             submitter: tx-sender, arbiter: (get arbiter invoice), cid: cid })
    (ok index)))

;; Only the invoice's arbiter rules; exactly the deposit leaves the escrow, `payee-amount` of
;; it to the payee and the rest to the payer, in one transaction. The status says who got
;; everything (RELEASED: the payee, REFUNDED: the payer) or that it was shared (SPLIT). The
;; sha256 of the published rationale document and, for a v2 ruling, the root of the
;; arbiter's decision log are stored and printed, so a log rewritten after the ruling is
;; caught against the chain.
(define-private (settle (invoice-id uint) (token <sip-010-trait>) (payee-amount uint)
                        (rationale-hash (buff 32)) (log-root (optional (buff 32))))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND))
        (amount (get amount invoice))
        (payer-amount (if (> payee-amount amount) u0 (- amount payee-amount)))
        (status (if (is-eq payee-amount amount) STATUS-RELEASED
                  (if (is-eq payee-amount u0) STATUS-REFUNDED STATUS-SPLIT))))
    (asserts! (not (paused-now)) ERR-PAUSED)
    (asserts! (is-eq tx-sender (get arbiter invoice)) ERR-NOT-ARBITER)
    (asserts! (is-eq (get status invoice) STATUS-DISPUTED) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (asserts! (<= payee-amount amount) ERR-OVER-AWARD)
    (if (> payee-amount u0) (try! (pay-out token payee-amount (get payee invoice))) true)
    (if (> payer-amount u0) (try! (pay-out token payer-amount (get payer invoice))) true)
    (set-status invoice-id invoice status)
    (map-set rulings invoice-id
             { arbiter: tx-sender, release: (is-eq status STATUS-RELEASED),
               rationale-hash: rationale-hash, block-height: stacks-block-height })
    (map-set awards invoice-id
             { payee-amount: payee-amount, payer-amount: payer-amount, log-root: log-root })
    (print { event: "dispute-resolved", invoice-id: invoice-id, arbiter: tx-sender,
             payer: (get payer invoice), payee: (get payee invoice),
             release: (is-eq status STATUS-RELEASED), status: status, amount: amount,
             payee-amount: payee-amount, payer-amount: payer-amount,
             rationale-hash: rationale-hash, log-root: log-root })
    (ok status)))

;; The first version's all-or-nothing ruling, kept callable.
(define-public (resolve-dispute (invoice-id uint) (token <sip-010-trait>) (release bool)
                                (rationale-hash (buff 32)))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND)))
    (try! (settle invoice-id token (if release (get amount invoice) u0) rationale-hash none))
    (ok release)))

(define-public (resolve-dispute-split (invoice-id uint) (token <sip-010-trait>)
                                      (payee-amount uint) (rationale-hash (buff 32))
                                      (log-root (buff 32)))
  (settle invoice-id token payee-amount rationale-hash (some log-root)))

;; The way out when the arbiter is gone: a dispute still unresolved ESCALATION-WINDOW
;; Bitcoin blocks after it was raised may be closed by either party, and the deposit goes
;; back to the payer. Refunding restores the state before the invoice was funded and needs
;; no further trusted party (a backup arbiter could be absent as well); it gives a colluding
;; arbiter nothing it could not already do by ruling a refund. It works while the contract
;; is paused, so neither an absent arbiter nor a pause can hold a deposit for ever.
(define-public (escalate (invoice-id uint) (token <sip-010-trait>))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND))
        (raised (default-to u0 (map-get? dispute-raised-burn invoice-id))))
    (asserts! (or (is-eq tx-sender (get payer invoice)) (is-eq tx-sender (get payee invoice)))
              ERR-NOT-PARTY)
    (asserts! (is-eq (get status invoice) STATUS-DISPUTED) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (asserts! (>= burn-block-height (+ raised ESCALATION-WINDOW)) ERR-TOO-EARLY)
    (try! (pay-out token (get amount invoice) (get payer invoice)))
    (set-status invoice-id invoice STATUS-REFUNDED)
    (print { event: "dispute-escalated", invoice-id: invoice-id, escalated-by: tx-sender,
             payer: (get payer invoice), payee: (get payee invoice),
             arbiter: (get arbiter invoice), amount: (get amount invoice) })
    (ok true)))
