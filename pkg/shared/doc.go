// Package shared is the only code the three services have in common: config,
// HTTP plumbing, auth, tenant validation, RUT, database and events. It never
// imports a service.
package shared
