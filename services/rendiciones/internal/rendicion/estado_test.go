package rendicion

import (
	"testing"

	"ecosystem/pkg/shared/apperr"
)

func status(err error) int {
	if err == nil {
		return 200
	}
	e, _ := apperr.As(err)
	return e.Status
}

func TestCheck(t *testing.T) {
	dueno, revisor, revisorDueno, usuario := Rol{Dueno: true}, Rol{Revisor: true}, Rol{Dueno: true, Revisor: true}, Rol{}
	tests := []struct {
		name   string
		estado string
		accion Accion
		rol    Rol
		status int
		nuevo  string
	}{
		{"el dueño envía un borrador", Borrador, Enviar, dueno, 200, Enviada},
		{"un aprobador aprueba una enviada", Enviada, Aprobar, revisor, 200, Aprobada},
		{"un aprobador rechaza una enviada", Enviada, Rechazar, revisor, 200, Rechazada},
		{"el dueño reabre una rechazada", Rechazada, Reabrir, dueno, 200, Borrador},
		{"el dueño aprobador no aprueba la suya", Enviada, Aprobar, revisorDueno, 403, ""},
		{"el dueño aprobador no rechaza la suya", Enviada, Rechazar, revisorDueno, 403, ""},
		{"un usuario no aprueba", Enviada, Aprobar, usuario, 403, ""},
		{"otro no envía por el dueño", Borrador, Enviar, revisor, 403, ""},
		{"otro no reabre", Rechazada, Reabrir, revisor, 403, ""},
		{"enviar dos veces", Enviada, Enviar, dueno, 409, ""},
		{"enviar una aprobada", Aprobada, Enviar, dueno, 409, ""},
		{"enviar una rechazada sin reabrir", Rechazada, Enviar, dueno, 409, ""},
		{"aprobar un borrador", Borrador, Aprobar, revisor, 409, ""},
		{"aprobar dos veces", Aprobada, Aprobar, revisor, 409, ""},
		{"rechazar una aprobada", Aprobada, Rechazar, revisor, 409, ""},
		{"aprobar una rechazada", Rechazada, Aprobar, revisor, 409, ""},
		{"reabrir un borrador", Borrador, Reabrir, dueno, 409, ""},
		{"reabrir una aprobada", Aprobada, Reabrir, dueno, 409, ""},
		{"reabrir una enviada", Enviada, Reabrir, dueno, 409, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nuevo, err := Check(tt.estado, tt.accion, tt.rol)
			if status(err) != tt.status || nuevo != tt.nuevo {
				t.Fatalf("Check = %q, %v; want %q, %d", nuevo, err, tt.nuevo, tt.status)
			}
		})
	}
}

func TestCanEdit(t *testing.T) {
	dueno, revisor := Rol{Dueno: true}, Rol{Revisor: true}
	tests := []struct {
		name   string
		estado string
		rol    Rol
		status int
		ed     Edicion
	}{
		{"dueño en borrador", Borrador, dueno, 200, EdicionDueno},
		{"dueño aprobador en borrador", Borrador, Rol{Dueno: true, Revisor: true}, 200, EdicionDueno},
		{"dueño en enviada", Enviada, dueno, 409, 0},
		{"dueño en rechazada (debe reabrir)", Rechazada, dueno, 409, 0},
		{"dueño en aprobada", Aprobada, dueno, 409, 0},
		{"revisor en borrador ajeno", Borrador, revisor, 403, 0},
		{"revisor corrige una enviada", Enviada, revisor, 200, EdicionRevisor},
		{"revisor en aprobada", Aprobada, revisor, 409, 0},
		{"revisor en rechazada", Rechazada, revisor, 409, 0},
		{"dueño aprobador en su enviada", Enviada, Rol{Dueno: true, Revisor: true}, 409, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ed, err := CanEdit(tt.estado, tt.rol)
			if status(err) != tt.status || ed != tt.ed {
				t.Fatalf("CanEdit = %v, %v; want %v, %d", ed, err, tt.ed, tt.status)
			}
		})
	}
}
