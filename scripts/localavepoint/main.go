// Command localavepoint runs the local AvePoint (identity and audit API) for
// the local stack and `make demo`. It prints {"url": "..."} on stdout once
// listening and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tokenrelay/tokenrelay/internal/testkit/localavepoint"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	clients := flag.String("clients", "", `JSON file of app registrations: {"clients":[{"client_id","client_secret"|"certificate","scopes"}]}`)
	cfg := localavepoint.Config{}
	flag.IntVar(&cfg.RecordsPerHour, "records-per-hour", 60, "audit records in every hour")
	flag.IntVar(&cfg.PageSize, "page-size", 100, "records per page")
	flag.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated records")
	flag.BoolVar(&cfg.RelativeNextLink, "relative-next-link", false, "answer relative nextLinks")
	flag.DurationVar(&cfg.TokenLifetime, "token-lifetime", 0, "access token lifetime (default 1h)")
	flag.Parse()
	if err := run(*addr, *clients, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "localavepoint:", err)
		os.Exit(1)
	}
}

func run(addr, clientsFile string, cfg localavepoint.Config) error {
	if clientsFile != "" {
		data, err := os.ReadFile(clientsFile)
		if err != nil {
			return err
		}
		if cfg.Clients, err = localavepoint.ParseClients(data); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := localavepoint.New(cfg)
	if err := s.Start(addr); err != nil {
		return err
	}
	defer s.Close()
	if err := json.NewEncoder(os.Stdout).Encode(map[string]string{"url": s.URL()}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
