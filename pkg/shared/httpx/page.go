package httpx

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"ecosystem/pkg/shared/apperr"
)

// MaxPageSize caps page_size (DESIGN §3).
const MaxPageSize = 200

// Page is a validated ?page=&page_size= pair.
type Page struct {
	Page, Size int
}

// Offset is the SQL offset of the page.
func (p Page) Offset() int { return (p.Page - 1) * p.Size }

// ParsePage reads page (default 1) and page_size (default 50, max 200).
func ParsePage(c echo.Context) (Page, error) {
	p := Page{Page: 1, Size: 50}
	fe := map[string]string{}
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			fe["page"] = "debe ser un entero ≥ 1"
		}
		p.Page = n
	}
	if v := c.QueryParam("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			fe["page_size"] = "debe ser un entero entre 1 y 200"
		}
		p.Size = n
	}
	return p, apperr.Fields(fe)
}

// List is the list envelope of DESIGN §3.
type List[T any] struct {
	Data     []T   `json:"data"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	Total    int64 `json:"total"`
}

// NewList builds a List, never with a null data array.
func NewList[T any](data []T, p Page, total int64) List[T] {
	if data == nil {
		data = []T{}
	}
	return List[T]{Data: data, Page: p.Page, PageSize: p.Size, Total: total}
}
