package app

import (
	"fmt"
	"time"

	"ecosystem/pkg/shared/config"
	"ecosystem/pkg/shared/service"
	"ecosystem/services/rendiciones/internal/documentos"
	"ecosystem/services/rendiciones/internal/jobs"
	"ecosystem/services/rendiciones/internal/storage"
)

// documentosModule wires the document half of the service: file storage,
// the job queue, the extraction engine, the handlers and the worker.
func documentosModule(d deps) (*documentos.Handler, service.Worker, error) {
	files, err := storage.NewDisk(d.cfg.StorageDir)
	if err != nil {
		return nil, service.Worker{}, err
	}
	// A crash in the middle of an upload leaves a temporary file behind.
	if n, err := files.CleanTemp(24 * time.Hour); err != nil {
		d.log.Warn("storage: cleaning temporary files failed", "error", err.Error())
	} else if n > 0 {
		d.log.Info("storage: removed temporary files of interrupted uploads", "count", n)
	}
	queue := jobs.New(d.db, d.cfg.Jobs, d.log)
	engine, err := documentos.NuevoMotor(documentos.MotorConfig{
		UseGemini: d.cfg.UseGemini(), GeminiAPIKey: d.cfg.GeminiAPIKey, GeminiModel: d.cfg.GeminiModel,
		GeminiBaseURL: d.cfg.GeminiBaseURL, Core: d.core, Signer: d.signer,
	})
	if err != nil {
		return nil, service.Worker{}, fmt.Errorf("extraction engine: %w", err)
	}
	metrics, err := documentos.NewMetrics(d.metrics)
	if err != nil {
		return nil, service.Worker{}, err
	}
	w := documentos.NewWorker(d.db, files, queue, engine, metrics, d.log, d.cfg.Workers)
	h := documentos.NewHandler(d.db, files, queue, int64(d.cfg.MaxUploadMB)<<20, d.log)
	d.log.Info("document extraction", "engine", engine.Name(), "workers", d.cfg.Workers, "storage", files.Root)
	return h, service.Worker{Name: "extraccion", Run: w.Run}, nil
}

// loadJobsConfig reads the extraction queue's timing. The defaults suit
// production; tests and the crash drill shorten them.
func loadJobsConfig(getenv config.Getenv) (jobs.Config, error) {
	var c jobs.Config
	var err error
	if c.Lease, err = config.Duration(getenv, "EXTRACTION_LEASE", time.Minute); err != nil {
		return c, err
	}
	if c.Poll, err = config.Duration(getenv, "EXTRACTION_POLL", time.Second); err != nil {
		return c, err
	}
	if c.RetryBase, err = config.Duration(getenv, "EXTRACTION_RETRY_BASE", 10*time.Second); err != nil {
		return c, err
	}
	if c.MaxAttempts, err = config.Int(getenv, "EXTRACTION_MAX_ATTEMPTS", 8); err != nil {
		return c, err
	}
	if c.Lease < time.Second || c.MaxAttempts < 1 {
		return c, fmt.Errorf("EXTRACTION_LEASE must be ≥ 1s and EXTRACTION_MAX_ATTEMPTS ≥ 1")
	}
	return c, nil
}
