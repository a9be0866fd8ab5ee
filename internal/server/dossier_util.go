package server

import (
	"errors"
	"strconv"

	"github.com/portail-aci/aci/internal/domain"
)

func dItoa(n int64) string { return strconv.FormatInt(n, 10) }

// dFieldErr returns the coded error of err when it is about a form field.
func dFieldErr(err error) (*domain.Error, bool) {
	var de *domain.Error
	if errors.As(err, &de) && de.Field != "" {
		return de, true
	}
	return nil, false
}
