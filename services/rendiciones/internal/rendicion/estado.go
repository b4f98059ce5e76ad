package rendicion

import (
	"ecosystem/pkg/shared/apperr"
)

// Estados (DESIGN §6).
const (
	Borrador  = "borrador"
	Enviada   = "enviada"
	Aprobada  = "aprobada"
	Rechazada = "rechazada"
)

// Accion is a transition route: POST /api/rendiciones/:id/<accion>.
type Accion string

// Acciones.
const (
	Enviar   Accion = "enviar"
	Aprobar  Accion = "aprobar"
	Rechazar Accion = "rechazar"
	Reabrir  Accion = "reabrir"
)

// transiciones is the whole state machine:
//
//	borrador ──enviar──▶ enviada ──aprobar──▶ aprobada
//	    ▲                   │
//	    └──reabrir── rechazada ◀──rechazar──┘
var transiciones = map[Accion]struct{ de, a string }{
	Enviar:   {Borrador, Enviada},
	Aprobar:  {Enviada, Aprobada},
	Rechazar: {Enviada, Rechazada},
	Reabrir:  {Rechazada, Borrador},
}

// Rol is the caller's relation to a rendición.
type Rol struct {
	Dueno   bool // created it
	Revisor bool // aprobador or admin of the tenant
}

// Sees reports whether the caller may read the rendición; others get 404,
// as if it did not exist.
func (r Rol) Sees() bool { return r.Dueno || r.Revisor }

// Check decides a transition: 403 when the caller may not take the action
// at all (only the owner submits and reopens; only an aprobador or admin
// who is not the owner approves or rejects), else 409 when the rendición is
// not in the state the action starts from. It returns the new estado.
func Check(estado string, a Accion, r Rol) (string, error) {
	t, ok := transiciones[a]
	if !ok {
		return "", apperr.NotFound("acción")
	}
	switch a {
	case Enviar, Reabrir:
		if !r.Dueno {
			return "", apperr.Forbidden("solo quien creó la rendición puede " + string(a) + "la")
		}
	case Aprobar, Rechazar:
		if r.Dueno {
			return "", apperr.Forbidden("nadie aprueba ni rechaza su propia rendición")
		}
		if !r.Revisor {
			return "", apperr.Forbidden("se necesita el rol aprobador o admin")
		}
	}
	if estado != t.de {
		return "", apperr.Conflict("transicion_invalida",
			"no se puede "+string(a)+" una rendición en estado "+estado).
			With("estado", estado).With("accion", string(a))
	}
	return t.a, nil
}

// Edicion is who may change a rendición's fields and items now.
type Edicion int

const (
	// EdicionDueno: the owner, on a borrador — everything.
	EdicionDueno Edicion = iota + 1
	// EdicionRevisor: an aprobador or admin who is not the owner, on an
	// enviada — corrections of classification (categoria, centro_costo,
	// descripcion, titulo, periodo), each recorded with old and new value.
	EdicionRevisor
)

// CanEdit decides an edit: only the owner edits a borrador (403 for
// others); a submitted or closed rendición is not edited by its owner (409);
// a reviewer corrects an enviada and nothing else (409).
func CanEdit(estado string, r Rol) (Edicion, error) {
	switch {
	case r.Dueno && estado == Borrador:
		return EdicionDueno, nil
	case r.Dueno:
		return 0, apperr.Conflict("rendicion_no_editable",
			"la rendición está "+estado+": solo se edita en borrador (si fue rechazada, reábrala)").With("estado", estado)
	case estado == Borrador:
		return 0, apperr.Forbidden("solo quien creó la rendición la edita mientras es borrador")
	case estado == Enviada && r.Revisor:
		return EdicionRevisor, nil
	}
	return 0, apperr.Conflict("rendicion_no_editable", "la rendición está "+estado+" y ya no se edita").With("estado", estado)
}
