CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"subject" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"count" integer NOT NULL,
	"window_seconds" integer NOT NULL,
	"first_event_at" timestamp with time zone NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"events" jsonb NOT NULL,
	CONSTRAINT "alerts_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE INDEX "alerts_raised_idx" ON "alerts" USING btree ("raised_at");--> statement-breakpoint
CREATE INDEX "audit_events_ip_at_idx" ON "audit_events" USING btree ("ip","at");