package db

import "gorm.io/gorm/clause"

// ForUpdate locks the selected rows until the transaction ends.
var ForUpdate = clause.Locking{Strength: "UPDATE"}
