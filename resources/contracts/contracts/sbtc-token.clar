;; Mock sBTC for the devnet: a SIP-010 token with 8 decimals whose only extra powers are a
;; mint and a burn the deployer may use off mainnet, so seed scripts and tests can fund payers
;; and make a holder (the escrow) hold less than it owes, as the real token's protocol burn
;; could.
(impl-trait .sip-010-trait.sip-010-trait)

(define-fungible-token sbtc)

(define-constant DEPLOYER tx-sender)
(define-constant ERR-NOT-OWNER (err u4))
(define-constant ERR-MINT-REFUSED (err u401))

;; Transfers follow sbtc-token: the sender must be tx-sender or contract-caller (err u4).
(define-public (transfer (amount uint) (sender principal) (recipient principal)
                         (memo (optional (buff 34))))
  (begin
    (asserts! (or (is-eq tx-sender sender) (is-eq contract-caller sender)) ERR-NOT-OWNER)
    (try! (ft-transfer? sbtc amount sender recipient))
    (match memo note (print note) 0x)
    (ok true)))

(define-public (mint (amount uint) (recipient principal))
  (begin
    (asserts! (and (is-eq tx-sender DEPLOYER) (not is-in-mainnet)) ERR-MINT-REFUSED)
    (ft-mint? sbtc amount recipient)))

(define-public (burn (amount uint) (owner principal))
  (begin
    (asserts! (and (is-eq tx-sender DEPLOYER) (not is-in-mainnet)) ERR-MINT-REFUSED)
    (ft-burn? sbtc amount owner)))

(define-read-only (get-name) (ok "sBTC"))
(define-read-only (get-symbol) (ok "sBTC"))
(define-read-only (get-decimals) (ok u8))
(define-read-only (get-balance (who principal)) (ok (ft-get-balance sbtc who)))
(define-read-only (get-total-supply) (ok (ft-get-supply sbtc)))
(define-read-only (get-token-uri) (ok none))
