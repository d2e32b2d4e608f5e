;; escrow-secure: an sBTC escrow between a payer and a payee with an arbiter for disputes
;; (DESIGN section 4). It keeps the public interface of the security guide's contract and fixes its
;; faults: a deposit really moves the tokens, the payer may refund itself only after the
;; deadline, only the invoice's arbiter resolves, the token passed must be the invoice's,
;; a paused contract refuses the whole lifecycle, and the ruling's rationale hash is stored.
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
(define-constant MAX-EVIDENCE-PER-PARTY u10)
(define-constant PAUSE-APPROVALS-NEEDED u2)

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

;; ---------------------------------------------------------------- governance

(define-data-var admins (list 3 principal) (list))
(define-data-var paused bool false)
(define-data-var last-action-id uint u0)
(define-map pause-actions uint { proposer: principal, approvals: uint, executed: bool })
(define-map pause-approvals { action-id: uint, admin: principal } bool)
(define-map whitelisted-tokens principal bool)

(define-private (is-admin (who principal))
  (is-some (index-of? (var-get admins) who)))

;; The deployer names the three admins once; from then on only they govern.
(define-public (set-admins (a1 principal) (a2 principal) (a3 principal))
  (begin
    (asserts! (is-eq tx-sender CONTRACT-OWNER) ERR-NOT-OWNER)
    (asserts! (is-eq (len (var-get admins)) u0) ERR-ADMINS-SET)
    (var-set admins (list a1 a2 a3))
    (print { event: "admins-set", admins: (list a1 a2 a3) })
    (ok true)))

(define-public (propose-pause)
  (let ((action-id (+ (var-get last-action-id) u1)))
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (var-set last-action-id action-id)
    (map-set pause-actions action-id { proposer: tx-sender, approvals: u1, executed: false })
    (map-set pause-approvals { action-id: action-id, admin: tx-sender } true)
    (print { event: "pause-proposed", action-id: action-id, proposer: tx-sender })
    (ok action-id)))

;; A second admin's approval pauses the contract (2 of 3).
(define-public (approve-pause (action-id uint))
  (let ((action (unwrap! (map-get? pause-actions action-id) ERR-ACTION-NOT-FOUND))
        (approvals (+ (get approvals action) u1)))
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (asserts! (not (get executed action)) ERR-ACTION-DONE)
    (asserts! (is-none (map-get? pause-approvals { action-id: action-id, admin: tx-sender }))
              ERR-ALREADY-APPROVED)
    (map-set pause-approvals { action-id: action-id, admin: tx-sender } true)
    (map-set pause-actions action-id
             (merge action { approvals: approvals,
                             executed: (>= approvals PAUSE-APPROVALS-NEEDED) }))
    (if (>= approvals PAUSE-APPROVALS-NEEDED) (var-set paused true) false)
    (print { event: "pause-approved", action-id: action-id, admin: tx-sender,
             paused: (var-get paused) })
    (ok (var-get paused))))

(define-public (unpause)
  (begin
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (asserts! (var-get paused) ERR-NOT-PAUSED)
    (var-set paused false)
    (print { event: "unpaused", admin: tx-sender })
    (ok true)))

(define-public (whitelist-token (token principal))
  (begin
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (map-set whitelisted-tokens token true)
    (print { event: "token-whitelisted", token: token, admin: tx-sender })
    (ok true)))

(define-public (remove-token-from-whitelist (token principal))
  (begin
    (asserts! (is-admin tx-sender) ERR-NOT-ADMIN)
    (map-delete whitelisted-tokens token)
    (print { event: "token-removed", token: token, admin: tx-sender })
    (ok true)))

(define-read-only (is-paused) (var-get paused))
(define-read-only (get-admins) (var-get admins))
(define-read-only (is-token-whitelisted (token principal))
  (default-to false (map-get? whitelisted-tokens token)))
(define-read-only (get-pause-action (action-id uint)) (map-get? pause-actions action-id))

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

(define-read-only (get-invoice (invoice-id uint)) (map-get? invoices invoice-id))
(define-read-only (get-dispute (invoice-id uint)) (map-get? disputes invoice-id))
(define-read-only (get-evidence (invoice-id uint) (index uint))
  (map-get? evidence { invoice-id: invoice-id, index: index }))
(define-read-only (get-ruling (invoice-id uint)) (map-get? rulings invoice-id))

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
    (asserts! (not (var-get paused)) ERR-PAUSED)
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
    (asserts! (not (var-get paused)) ERR-PAUSED)
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
    (asserts! (not (var-get paused)) ERR-PAUSED)
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
    (asserts! (not (var-get paused)) ERR-PAUSED)
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
    (asserts! (not (var-get paused)) ERR-PAUSED)
    (asserts! (or (is-eq tx-sender (get payer invoice)) (is-eq tx-sender (get payee invoice)))
              ERR-NOT-PARTY)
    (asserts! (is-eq (get status invoice) STATUS-FUNDED) ERR-WRONG-STATUS)
    (map-set disputes invoice-id
             { raised-by: tx-sender, reason-cid: reason-cid, raised-at: stacks-block-height,
               evidence-count: u0, payer-evidence: u0, payee-evidence: u0 })
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
    (asserts! (not (var-get paused)) ERR-PAUSED)
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

;; Only the invoice's arbiter rules; exactly the deposit moves, and the sha256 of the
;; published rationale document is stored with the ruling.
(define-public (resolve-dispute (invoice-id uint) (token <sip-010-trait>) (release bool)
                                (rationale-hash (buff 32)))
  (let ((invoice (unwrap! (map-get? invoices invoice-id) ERR-INVOICE-NOT-FOUND))
        (recipient (if release (get payee invoice) (get payer invoice))))
    (asserts! (not (var-get paused)) ERR-PAUSED)
    (asserts! (is-eq tx-sender (get arbiter invoice)) ERR-NOT-ARBITER)
    (asserts! (is-eq (get status invoice) STATUS-DISPUTED) ERR-WRONG-STATUS)
    (asserts! (is-eq (contract-of token) (get token-contract invoice)) ERR-WRONG-TOKEN)
    (try! (pay-out token (get amount invoice) recipient))
    (set-status invoice-id invoice (if release STATUS-RELEASED STATUS-REFUNDED))
    (map-set rulings invoice-id
             { arbiter: tx-sender, release: release, rationale-hash: rationale-hash,
               block-height: stacks-block-height })
    (print { event: "dispute-resolved", invoice-id: invoice-id, arbiter: tx-sender,
             payer: (get payer invoice), payee: (get payee invoice), release: release,
             amount: (get amount invoice), rationale-hash: rationale-hash })
    (ok release)))
