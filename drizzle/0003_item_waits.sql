ALTER TABLE "job_items" ADD COLUMN "wait_reason" text;--> statement-breakpoint
ALTER TABLE "job_items" ADD COLUMN "wait_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_items" ADD COLUMN "wait_last_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_items" ADD COLUMN "last_result" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "finish_by" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "job_items_waiting_idx" ON "job_items" USING btree ("job_id") WHERE "job_items"."wait_reason" is not null;