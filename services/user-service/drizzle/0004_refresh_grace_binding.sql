ALTER TABLE "oidc_artifacts" ADD COLUMN "rotated_by" text;--> statement-breakpoint
ALTER TABLE "oidc_artifacts" ADD COLUMN "successor_id_hash" text;--> statement-breakpoint
ALTER TABLE "oidc_artifacts" ADD COLUMN "successor_sealed" text;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD COLUMN "rotated_by_user_agent" text;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ADD COLUMN "rotated_by_address" text;