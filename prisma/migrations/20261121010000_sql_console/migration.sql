-- AlterTable
ALTER TABLE "User" ADD COLUMN "dbAccountHost" TEXT;
ALTER TABLE "User" ADD COLUMN "dbAccountUser" TEXT;

-- CreateTable
CREATE TABLE "SqlHistoryEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sql" TEXT NOT NULL,
    "database" TEXT,
    "outcome" TEXT NOT NULL,
    "error" TEXT NOT NULL DEFAULT '',
    "durationMs" INTEGER NOT NULL,
    "rows" INTEGER NOT NULL,
    CONSTRAINT "SqlHistoryEntry_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SqlHistoryEntry_userId_id_idx" ON "SqlHistoryEntry"("userId", "id");


-- The first admin (the `admin` user the server created on first start) runs the SQL page as
-- 'root'@'%', as a new data directory's does (auth/bootstrap.ts). Done here, once, so that a
-- mapping an admin clears later is not put back at the next start.
UPDATE "User" SET "dbAccountUser" = 'root', "dbAccountHost" = '%'
WHERE "loginName" = 'admin' AND "role" = 'admin';
