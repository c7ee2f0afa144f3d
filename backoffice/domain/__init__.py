"""Domain values of the market model: Decimal money, instruments, rates, organisation, calendar.

Pure data and rules: nothing here touches the database or the network.
"""
