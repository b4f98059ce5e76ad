package sesion

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"ecosystem/pkg/shared/apperr"
	"ecosystem/pkg/shared/db"
)

// RefreshTTL is how long an unused refresh token stays valid.
const RefreshTTL = 30 * 24 * time.Hour

// Store keeps refresh tokens (hashed) and failed logins.
type Store struct{ db *gorm.DB }

// NewStore returns a Store.
func NewStore(g *gorm.DB) *Store { return &Store{db: g} }

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// insertToken stores a new token of a family and returns its clear value.
func insertToken(ctx context.Context, tx *gorm.DB, userID, family uuid.UUID) (string, error) {
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	err = tx.WithContext(ctx).Exec(`INSERT INTO core.refresh_tokens (id, family_id, user_id, token_hash, expires_at)
		VALUES (?, ?, ?, ?, ?)`, db.NewID(), family, userID, hashToken(tok), db.Now().Add(RefreshTTL)).Error
	return tok, err
}

// Start opens a new token family for a login.
func (s *Store) Start(ctx context.Context, userID uuid.UUID) (string, error) {
	tok, err := insertToken(ctx, s.db, userID, db.NewID())
	if err != nil {
		return "", apperr.Wrap(err, "crear refresh token")
	}
	return tok, nil
}

// errInvalidRefresh is the one answer for every unusable refresh token.
var errInvalidRefresh = apperr.Unauthorized("refresh token inválido, expirado o revocado")

// Rotate spends tok and returns a successor in the same family and the user.
// Presenting an already-rotated token is reuse: the whole family is revoked,
// so a stolen token dies with the legitimate one. The conditional UPDATE
// makes two concurrent uses of one token resolve to one winner.
func (s *Store) Rotate(ctx context.Context, tok string, check func(userID uuid.UUID) error) (string, uuid.UUID, error) {
	h := hashToken(tok)
	var next string
	var user uuid.UUID
	reused := false
	var denied error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur struct {
			FamilyID uuid.UUID
			UserID   uuid.UUID
		}
		res := tx.Raw(`UPDATE core.refresh_tokens SET rotated_at = now()
			WHERE token_hash = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > now()
			RETURNING family_id, user_id`, h).Scan(&cur)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var fam struct {
				FamilyID  uuid.UUID
				RotatedAt *time.Time
			}
			r := tx.Raw(`SELECT family_id, rotated_at FROM core.refresh_tokens WHERE token_hash = ?`, h).Scan(&fam)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected > 0 && fam.RotatedAt != nil {
				reused = true
				if err := tx.Exec(`UPDATE core.refresh_tokens SET revoked_at = now() WHERE family_id = ? AND revoked_at IS NULL`, fam.FamilyID).Error; err != nil {
					return err
				}
				return nil // commit the revocation, then answer 401
			}
			return errInvalidRefresh
		}
		if denied = check(cur.UserID); denied != nil {
			// Commit the revocation, then refuse.
			return tx.Exec(`UPDATE core.refresh_tokens SET revoked_at = now() WHERE family_id = ?`, cur.FamilyID).Error
		}
		var err error
		next, err = insertToken(ctx, tx, cur.UserID, cur.FamilyID)
		user = cur.UserID
		return err
	})
	if reused {
		return "", uuid.Nil, ErrReuse
	}
	if err == nil && denied != nil {
		err = denied
	}
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return "", uuid.Nil, err
		}
		return "", uuid.Nil, apperr.Wrap(err, "rotar refresh token")
	}
	return next, user, nil
}

// ErrReuse signals a rotated token presented again (the family is revoked).
var ErrReuse = errors.New("refresh token reuse")

// RevokeFamilyOf revokes the family of tok if it belongs to userID.
func (s *Store) RevokeFamilyOf(ctx context.Context, tok string, userID uuid.UUID) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE core.refresh_tokens SET revoked_at = now()
		WHERE revoked_at IS NULL AND family_id IN (SELECT family_id FROM core.refresh_tokens WHERE token_hash = ? AND user_id = ?)`,
		hashToken(tok), userID).Error
	if err != nil {
		return apperr.Wrap(err, "revocar sesión")
	}
	return nil
}

// RevokeUser revokes every token of a user.
func (s *Store) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE core.refresh_tokens SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL`, userID).Error
	if err != nil {
		return apperr.Wrap(err, "revocar sesiones")
	}
	return nil
}

// Failures counts failed logins for email since t.
func (s *Store) Failures(ctx context.Context, email string, since time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM core.login_failures WHERE email = ? AND at > ?`, email, since).Scan(&n).Error
	return n, err
}

// RecordFailure notes a failed login and prunes old rows of that email.
func (s *Store) RecordFailure(ctx context.Context, email string, window time.Duration) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO core.login_failures (email) VALUES (?)`, email).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM core.login_failures WHERE email = ? AND at < ?`, email, db.Now().Add(-window)).Error
	})
}

// ClearFailures forgets failures after a successful login.
func (s *Store) ClearFailures(ctx context.Context, email string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM core.login_failures WHERE email = ?`, email).Error
}
