package workflow

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// GenesisHash is the "previous hash" of the first row of a chain.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditRow is one row of a dossier's audit trail, as stored.
type AuditRow struct {
	DossierID   int64
	ActorUserID int64  // 0 for the system
	ActorName   string // as shown at the time ("Système" for the system)
	At          time.Time
	Transition  Transition
	From        State
	To          State
	Motivation  string
	PrevHash    string // hash of the previous row (GenesisHash for the first); optional in VerifyChain
	Hash        string // AuditHash(PrevHash, row)
}

// auditVersion tags the encoding so it can evolve without ambiguity.
const auditVersion = "aci-audit-v1"

// AuditHash returns the lowercase hex SHA-256 of prev and row's content
// (PrevHash and Hash fields ignored), over a canonical encoding: a version
// tag, then each field as an 8-byte big-endian length followed by its bytes,
// in the fixed order prev, dossier id, actor user id, actor name, at,
// transition, from, to, motivation. Integers are written in base 10; at is
// written in UTC as RFC 3339 with nanoseconds, after truncation to the
// microsecond.
//
// Decision: at is truncated to the microsecond because PostgreSQL's
// timestamptz keeps microseconds: a row read back hashes the same as the
// row written.
func AuditHash(prev string, row AuditRow) string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(auditVersion)
	put(strings.ToLower(prev))
	put(strconv.FormatInt(row.DossierID, 10))
	put(strconv.FormatInt(row.ActorUserID, 10))
	put(row.ActorName)
	put(row.At.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	put(string(row.Transition))
	put(string(row.From))
	put(string(row.To))
	put(row.Motivation)
	return hex.EncodeToString(h.Sum(nil))
}

// Chain fills PrevHash and Hash of rows, in order, from GenesisHash (for
// tests, seeds and the store when it appends).
func Chain(rows []AuditRow) {
	prev := GenesisHash
	for i := range rows {
		rows[i].PrevHash = prev
		rows[i].Hash = AuditHash(prev, rows[i])
		prev = rows[i].Hash
	}
}

// VerifyChain checks a chain of rows in order, starting from GenesisHash: each
// row's Hash must be AuditHash of the previous row's Hash and its content,
// and its PrevHash, when set, must be the previous row's Hash. It returns
// (-1, true) for an intact chain, or the index of the first bad row and false.
// A modified, deleted, inserted or reordered row breaks the chain at or just
// after it. Truncating the tail cannot be seen from the rows alone: compare
// the last hash with one kept elsewhere (for instance on the dossier row).
func VerifyChain(rows []AuditRow) (badIndex int, ok bool) {
	prev := GenesisHash
	for i, r := range rows {
		if r.PrevHash != "" && !strings.EqualFold(r.PrevHash, prev) {
			return i, false
		}
		if !strings.EqualFold(r.Hash, AuditHash(prev, r)) {
			return i, false
		}
		prev = r.Hash
	}
	return -1, true
}
