package server

import (
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec is the encoding of the session's data (scs.Codec): a short
// binary form for what the product keeps there (int64, int, string and bool
// values), read on every request — scs's gob codec compiled its decoder
// anew for each one, a tenth of a page view's own CPU (docs/rules.md §35).
// Data holding another type is written with gob, and rows written by gob
// (before this codec) are still read.
type sessionCodec struct{}

var _ scs.Codec = sessionCodec{}

// sessionMagic0 and sessionMagic1 start the binary form; a gob stream never
// starts with 0xA5 (its first byte is a length: below 0x80, or 0xF8 and
// above).
const sessionMagic0, sessionMagic1 = 0xA5, 0x01

const (
	tagInt64  = 'i'
	tagInt    = 'n'
	tagString = 's'
	tagFalse  = 'f'
	tagTrue   = 't'
)

var errSessionData = errors.New("session: malformed data")

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k, v := range values {
		switch v.(type) {
		case int64, int, string, bool:
		default:
			return scs.GobCodec{}.Encode(deadline, values)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := append(make([]byte, 0, 64), sessionMagic0, sessionMagic1)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), v)
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(v))
		case string:
			b = binary.AppendUvarint(append(b, tagString), uint64(len(v)))
			b = append(b, v...)
		case bool:
			if v {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		}
	}
	return b, nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) < 2 || b[0] != sessionMagic0 || b[1] != sessionMagic1 {
		return scs.GobCodec{}.Decode(b)
	}
	r := sessionReader{b: b[2:]}
	deadline := time.Unix(0, r.varint()).UTC()
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]any, n)
	for range n {
		k := r.str()
		switch r.byte() {
		case tagInt64:
			values[k] = r.varint()
		case tagInt:
			values[k] = int(r.varint())
		case tagString:
			values[k] = r.str()
		case tagTrue:
			values[k] = true
		case tagFalse:
			values[k] = false
		default:
			r.err = errSessionData
		}
		if r.err != nil {
			return time.Time{}, nil, errSessionData
		}
	}
	if len(r.b) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return deadline, values, nil
}

// sessionReader reads the binary form; the first error sticks.
type sessionReader struct {
	b   []byte
	err error
}

func (r *sessionReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errSessionData, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errSessionData, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) byte() byte {
	if len(r.b) == 0 {
		r.err = errSessionData
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sessionReader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err, r.b = errSessionData, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
