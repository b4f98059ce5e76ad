module ecosystem/services/core

go 1.26

replace (
	ecosystem/migrations => ../../migrations
	ecosystem/pkg/shared => ../../pkg/shared
)
