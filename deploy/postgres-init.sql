-- The inventory's own database beside the requests' (POSTGRES_DB); run once by the postgres image.
CREATE DATABASE baolei_inventory OWNER baolei;
-- The volunteers service's (先锋行动) own database.
CREATE DATABASE baolei_volunteers OWNER baolei;
